// Sign-in by link (/graphql/explorer#key=gnt_…), as on the dashboard: a classic script in
// <head>, so it runs first; the key moves to this tab's sessionStorage (the name the
// dashboard uses too) and the fragment leaves the address bar and the history at once.
(function () {
  var match = /^#key=([^&]*)/.exec(window.location.hash);
  if (!match) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  var key = "";
  try {
    key = decodeURIComponent(match[1]);
  } catch (error) {
    return;
  }
  if (/^gnt_[A-Za-z0-9_-]{10,200}$/.test(key)) sessionStorage.setItem("gauntlet.apiKey", key);
})();
