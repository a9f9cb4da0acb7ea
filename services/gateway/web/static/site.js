/* 归雁: small progressive enhancements; every page also works without this file. */
(function () {
  "use strict";

  // "再添加一个证书": copy the <template> row with the next free row number
  function addRow(button) {
    var prefix = button.getAttribute("data-add-row");
    var rows = document.querySelector('[data-rows="' + prefix + '"]');
    var template = document.getElementById(prefix + "-template");
    if (!rows || !template) { return; }
    var count = rows.querySelectorAll("[data-row]").length;
    if (count >= 20) { button.hidden = true; return; }
    var next = 0;
    rows.querySelectorAll("[name^='" + prefix + ".']").forEach(function (field) {
      var number = parseInt(field.name.split(".")[1], 10);
      if (number >= next) { next = number + 1; }
    });
    var html = template.innerHTML.split("__N__").join(String(next));
    rows.insertAdjacentHTML("beforeend", html);
    var added = rows.lastElementChild;
    var label = added.querySelector("[data-row-number]");
    if (label) { label.textContent = String(count + 1); }
    var first = added.querySelector("input, select");
    if (first) { first.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addRow(button); });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    // a form posted to its own address and refused shows its page again: the address bar goes back to
    // that page's, so that reloading or sharing it shows the page, not an address that only takes posts
    var address = document.querySelector('meta[name="page-address"]');
    if (address && window.history && history.replaceState) {
      history.replaceState(null, "", address.content + window.location.hash);
    }
    // a filter takes effect when it is chosen, without pressing 搜索 (which still works without this file)
    document.querySelectorAll("form[data-auto-submit] select").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
      });
    });
    // after a refused submission, take the reader (and a screen reader) to the list of problems; on a
    // page of several forms, to the field that was refused, in the form that was sent
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); return; }
    var refused = document.querySelector('[aria-invalid="true"], .error[role="alert"], p.error');
    if (refused && document.querySelector("[data-refused]")) {
      var field = refused.matches("input, select, textarea") ? refused
        : (refused.closest("form, .field, fieldset") || document).querySelector("input:not([type=hidden]), select, textarea");
      refused.scrollIntoView({block: "center"});
      if (field) { field.focus({preventScroll: true}); }
    }
  });

  // 地区 chosen level by level (web/picker.py): a choice fills the next select from /api/v1/regions;
  // without this file, 显示下一级 shows the form again with the next level ready
  function resetLevel(select, text) {
    select.options.length = 0;
    select.add(new Option(text, ""));
    select.disabled = true;
  }

  function fillLevel(select, items) {
    resetLevel(select, select.getAttribute("data-prompt"));
    items.forEach(function (item) { select.add(new Option(item.name, item.code)); });
    select.disabled = items.length === 0;
  }

  function regionPicker(box) {
    var levels = Array.prototype.slice.call(box.querySelectorAll("select[data-level]"));
    // removed, not hidden: a hidden submit button would still take the Enter key of the form's fields
    box.querySelectorAll(".picker-next").forEach(function (button) { button.remove(); });
    levels.forEach(function (select, index) {
      select.addEventListener("change", function () {
        var below = levels.slice(index + 1);
        below.forEach(function (next) { resetLevel(next, next.getAttribute("data-waiting")); });
        if (!select.value || !below.length) { return; }
        var next = below[0];
        next.options[0].text = "正在加载…";
        fetch("/api/v1/regions?parent=" + encodeURIComponent(select.value), {headers: {Accept: "application/json"}})
          .then(function (answer) { if (!answer.ok) { throw new Error(String(answer.status)); } return answer.json(); })
          .then(function (list) { if (list.parent && list.parent.code === select.value) { fillLevel(next, list.items); } })
          .catch(function () { next.options[0].text = "未能加载，请重新选择上一级"; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-region-picker]").forEach(function (box) {
      if (!box.closest("form[data-auto-submit]")) { regionPicker(box); }  // a filter reloads instead
    });
  });
})();
