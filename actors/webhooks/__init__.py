"""Webhooks: matching job events to subscriptions (``hook``), what a delivery says
(``payloads``), signing (``signing``), secrets at rest (``sealing``), and delivering on
the workers (``delivery``, ``queue``, ``reaper``, ``pool``). Import the modules you need;
this package re-exports nothing, so that the broker can import ``queue`` alone."""
