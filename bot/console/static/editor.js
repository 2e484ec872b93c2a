// The answer's live length as the messenger will show it: {{mci:N}} counted written out in tenge,
// as the validator counts it. The page works without this: the server shows the count on each save.
(function () {
  var form = document.getElementById("editor");
  if (!form) return;
  var soft = +form.dataset.soft, hard = +form.dataset.hard, dearest = +form.dataset.dearest;
  var group = function (n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f"); };
  form.querySelectorAll("textarea.answer-text").forEach(function (area) {
    var out = document.getElementById("count-" + area.dataset.lang);
    var count = function () {
      var text = area.value.trim().replace(/\{\{mci:([1-9]\d*)\}\}/g, function (_, n) {
        return area.dataset.mci.replace("{mci}", group(+n)).replace("{tenge}", group(+n * dearest));
      });
      out.textContent = text.length;
      out.className = text.length > hard ? "error" : (text.length > soft ? "notice" : "");
    };
    area.addEventListener("input", count);
  });
})();
