// Tell the server a person opened the page: robots that fetch links do not run scripts.
(function () {
  var body = document.body;
  var beacon = body.getAttribute("data-beacon");
  var csrf = body.getAttribute("data-csrf");
  if (beacon && csrf) {
    window.addEventListener("load", function () {
      var form = new FormData();
      form.append("csrf", csrf);
      fetch(beacon, { method: "POST", body: form, credentials: "same-origin", keepalive: true })
        .catch(function () {});
    });
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      var done = function () {
        var label = button.textContent;
        button.textContent = button.getAttribute("data-copied") || "OK";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, function () {}); }
    });
  });
})();
