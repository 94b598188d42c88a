// Small screens: each table row becomes a card, and every cell carries the name of its
// column (read from the table's head) so the card still says what each value is.
document.querySelectorAll("table.list, table.compare").forEach(function (table) {
  var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  table.querySelectorAll("tbody tr").forEach(function (row) {
    Array.prototype.forEach.call(row.children, function (cell, i) {
      if (heads[i] && !cell.hasAttribute("data-label") && cell.colSpan === 1) {
        cell.setAttribute("data-label", heads[i]);
      }
    });
  });
});

// The queue: a box in the "Pilih" heading ticks or clears every row of this page.
document.querySelectorAll("table.list th.pick").forEach(function (th) {
  var table = th.closest("table");
  var boxes = table.querySelectorAll("td.pick input[type=checkbox]");
  if (!boxes.length) { return; }
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "pick-page";
  all.setAttribute("aria-label", th.getAttribute("data-page-label") || th.textContent.trim());
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  th.textContent = "";
  th.appendChild(all);
});
