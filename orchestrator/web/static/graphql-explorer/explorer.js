// GraphiQL on Gauntlet's GraphQL endpoint. The API key stays in this tab's
// sessionStorage (never a cookie, never a URL the server sees) and goes out as a Bearer
// header on each request the explorer makes, to this origin only.
(function () {
  "use strict";
  var STORAGE_KEY = "gauntlet.apiKey";
  var KEY_PATTERN = /^gnt_[A-Za-z0-9_-]{10,200}$/;
  var ENDPOINT = new URL("../client/v1/graphql", window.location.href).toString();
  var DEFAULT_QUERY = [
    "# Apps → their latest runs → the failing steps, in one round trip.",
    "# The schema is in the Docs panel; every list is a connection (first, after).",
    "query {",
    "  me { keyName organization { name } scopes }",
    "  apps(first: 10) {",
    "    nodes {",
    "      name",
    "      testRuns(first: 3) {",
    "        nodes {",
    "          status createdAt failedSteps",
    "          suiteReports(first: 20) {",
    "            nodes {",
    "              suiteName status",
    "              steps(failedOnly: true) {",
    "                name error",
    "                assertions { type expected actual reason }",
    "              }",
    "            }",
    "          }",
    "        }",
    "      }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");

  var root = null;
  var form = document.getElementById("sign-in");
  var input = document.getElementById("key");
  var problem = document.getElementById("sign-in-error");
  var signedIn = document.getElementById("signed-in");

  function currentKey() {
    return sessionStorage.getItem(STORAGE_KEY);
  }

  function fetcher(params) {
    return fetch(ENDPOINT, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        Authorization: "Bearer " + currentKey(),
      },
      body: JSON.stringify(params),
      credentials: "omit",
    }).then(function (response) {
      return response.json();
    });
  }

  function show() {
    var key = currentKey();
    form.hidden = Boolean(key);
    signedIn.hidden = !key;
    if (key && root === null) {
      root = ReactDOM.createRoot(document.getElementById("graphiql"));
      root.render(
        React.createElement(GraphiQL, {
          fetcher: fetcher,
          defaultQuery: DEFAULT_QUERY,
          // Queries stay in memory: nothing about them outlives the tab.
          storage: memoryStorage(),
          shouldPersistHeaders: false,
          isHeadersEditorEnabled: false,
        })
      );
    } else if (!key && root !== null) {
      root.unmount();
      root = null;
    }
    if (!key) input.focus();
  }

  function memoryStorage() {
    var items = {};
    return {
      getItem: function (name) {
        return Object.prototype.hasOwnProperty.call(items, name) ? items[name] : null;
      },
      setItem: function (name, value) {
        items[name] = String(value);
      },
      removeItem: function (name) {
        delete items[name];
      },
      clear: function () {
        items = {};
      },
      get length() {
        return Object.keys(items).length;
      },
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var key = input.value.trim();
    if (!KEY_PATTERN.test(key)) {
      problem.textContent = "That is not a Gauntlet API key (gnt_…).";
      return;
    }
    problem.textContent = "";
    input.value = "";
    sessionStorage.setItem(STORAGE_KEY, key);
    show();
  });
  document.getElementById("sign-out").addEventListener("click", function () {
    sessionStorage.removeItem(STORAGE_KEY);
    show();
  });
  show();
})();
