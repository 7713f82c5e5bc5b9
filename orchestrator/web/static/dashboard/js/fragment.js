// Sign-in by link (/dashboard#key=gnt_…). A classic script in <head>, so it runs before
// anything else on the page: the key moves to this tab's sessionStorage (the name
// auth.js reads) and the fragment is wiped from the address bar and history at once.
(function () {
  var match = /^#key=([^&]*)/.exec(window.location.hash);
  if (!match) return;
  history.replaceState(null, "", window.location.pathname + window.location.search + "#/jobs");
  var key = "";
  try {
    key = decodeURIComponent(match[1]);
  } catch (error) {
    return;
  }
  if (/^gnt_[A-Za-z0-9_-]{10,200}$/.test(key)) sessionStorage.setItem("gauntlet.apiKey", key);
})();
