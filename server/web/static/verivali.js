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
