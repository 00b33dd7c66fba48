/* Inlined into every report, allowed by the CSP hash of this exact text. Optional: without it the
   report reads the same (tables unsorted, every series drawn). Sortable tables; series highlight. */
(function () {
  'use strict';
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  function key(cell) {
    var v = cell.getAttribute('data-v');
    if (v === null) return cell.textContent;
    return v === '' ? null : Number(v);
  }
  function sortBy(table, col) {
    var heads = table.tHead.rows[0].cells;
    var dir = heads[col].getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    each(heads, function (h) { h.removeAttribute('aria-sort'); });
    heads[col].setAttribute('aria-sort', dir);
    var sign = dir === 'ascending' ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (r, i) { return { r: r, k: key(r.cells[col]), i: i }; });
    rows.sort(function (a, b) {
      if (a.k === b.k) return a.i - b.i;
      if (a.k === null) return 1;
      if (b.k === null) return -1;
      var d = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k), undefined, { numeric: true });
      return d === 0 ? a.i - b.i : sign * d;
    });
    rows.forEach(function (x) { body.appendChild(x.r); });
  }
  each(document.querySelectorAll('table.sortable'), function (table) {
    each(table.tHead.rows[0].cells, function (th, col) {
      var b = document.createElement('button');
      b.type = 'button';
      b.title = 'Sort by this column';
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      b.addEventListener('click', function () { sortBy(table, col); });
    });
  });
  // Series picker: the marks' <title> tooltips name their series ("Cohort: 2024-01; …").
  each(document.querySelectorAll('figure.chart[data-series]'), function (fig) {
    var name = fig.getAttribute('data-series') + ': ';
    var picker = fig.querySelector('.series-picker');
    var select = picker.querySelector('select');
    var values = Array.prototype.map.call(select.options, function (o) { return o.value; }).filter(Boolean);
    var marks = Array.prototype.slice.call(fig.querySelectorAll('svg .role-mark [role="graphics-symbol"]'));
    var series = marks.map(function (m) {
      var t = m.querySelector('title');
      t = t ? t.textContent : '';
      for (var i = 0; i < values.length; i++) {
        var p = name + values[i];
        var j = t.indexOf(p);
        while (j >= 0) {
          var end = j + p.length;
          if ((j === 0 || t.slice(j - 2, j) === '; ') && (end === t.length || t.charAt(end) === ';')) return values[i];
          j = t.indexOf(p, j + 1);
        }
      }
      return null;
    });
    function apply(v) {
      fig.classList.toggle('picking', v !== '');
      marks.forEach(function (m, i) {
        if (series[i] === null) return;
        m.classList.toggle('dim', v !== '' && series[i] !== v);
        m.classList.toggle('hl', v !== '' && series[i] === v);
      });
    }
    select.addEventListener('change', function () { apply(select.value); });
    each(fig.querySelectorAll('.role-legend-entry .role-scope > g'), function (entry) {
      var label = entry.querySelector('.role-legend-label text');
      var v = label ? label.textContent : '';
      if (values.indexOf(v) < 0) return;
      entry.classList.add('pickable');
      entry.addEventListener('click', function () { select.value = select.value === v ? '' : v; apply(select.value); });
    });
    picker.hidden = false;
  });
})();
