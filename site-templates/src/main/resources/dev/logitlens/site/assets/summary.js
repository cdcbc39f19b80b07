// Sortable tables of the summary page: a header button sorts the rows by its column (numbers numerically,
// empty cells last), a second click reverses; aria-sort tells assistive technology. Without JavaScript
// the table stays in gallery order.
(function () {
  'use strict';
  function sortBy(table, col, type, btn) {
    const th = btn.closest('th');
    const dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    table.querySelectorAll('thead th').forEach(h => h.setAttribute('aria-sort', 'none'));
    th.setAttribute('aria-sort', dir);
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const key = r => r.cells[col].getAttribute('data-sort') || '';
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      if (x === '' || y === '') return x === y ? 0 : x === '' ? 1 : -1; // empty last, either way
      const c = type === 'num' ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return dir === 'ascending' ? c : -c;
    });
    rows.forEach(r => body.appendChild(r));
  }
  function init() {
    document.querySelectorAll('table.sortable').forEach(table => {
      table.querySelectorAll('button.sort').forEach(btn => btn.addEventListener('click', () =>
        sortBy(table, Number(btn.getAttribute('data-col')), btn.getAttribute('data-type'), btn)));
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
