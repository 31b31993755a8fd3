// Members' console: charts (Chart.js), the network graph (Cytoscape.js) and hold timers.
// Each part runs only when its library and data are on the page; the tables beside them
// carry the same figures, so nothing is lost when a library is missing.
(function () {
  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function charts() {
    var data = readJSON('dash-data');
    var perDay = document.getElementById('chart-per-day');
    var byType = document.getElementById('chart-by-type');
    if (!data || typeof window.Chart === 'undefined') {
      [perDay, byType].forEach(function (c) { if (c) c.parentNode.classList.add('no-chart'); });
      return;
    }
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    // Short labels keep a phone-width chart readable; the table beside it has the full text.
    var short = function (text, n) { return text.length > n ? text.slice(0, n - 1) + '…' : text; };
    if (perDay) {
      new Chart(perDay, {
        data: {
          labels: data.days.map(function (d) { return d.slice(5); }),
          datasets: [
            { type: 'bar', label: data.labels.reports, data: data.reports, backgroundColor: '#0b4f8a', yAxisID: 'y' },
            { type: 'line', label: data.labels.loss, data: data.loss, borderColor: '#b3261e', backgroundColor: '#b3261e', yAxisID: 'y1', cubicInterpolationMode: 'monotone', pointRadius: 2 }
          ]
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: 'index', intersect: false },
          scales: {
            y: { beginAtZero: true, position: 'left', title: { display: true, text: data.labels.reports } },
            y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: data.labels.loss } }
          }
        }
      });
    }
    if (byType && data.types && data.types.labels.length) {
      byType.parentNode.style.height = (60 + 30 * data.types.labels.length) + 'px';  // bars keep their size
      new Chart(byType, {
        type: 'bar',
        data: { labels: data.types.labels.map(function (l) { return short(l, 22); }), datasets: [{ label: data.labels.reports, data: data.types.reports, backgroundColor: '#3d7cc0' }] },
        options: { indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } }
      });
    } else if (byType) {
      byType.parentNode.classList.add('no-chart');
    }
  }

  var COLORS = { bank_account: '#0b4f8a', phone: '#6b3fa0', holder: '#1e6b3a', url: '#8a5a00', promptpay: '#0b7a8a', report: '#7a7f87' };

  function graph() {
    var data = readJSON('graph-data');
    var box = document.getElementById('entity-graph');
    if (!data || !box || typeof window.cytoscape === 'undefined') return;
    var elements = data.nodes.map(function (n) { return { data: n }; })
      .concat(data.edges.map(function (e, i) { return { data: Object.assign({ id: 'e' + i }, e) }; }));
    var cy = cytoscape({
      container: box,
      elements: elements,
      wheelSensitivity: 0.3,
      style: [
        { selector: 'node', style: {
          'label': 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 4,
          'font-family': getComputedStyle(document.documentElement).fontFamily,
          'background-color': function (n) { return COLORS[n.data('kind')] || '#555'; },
          'width': 18, 'height': 18, 'color': '#1b2430' } },
        { selector: 'node[risk = "high"]', style: { 'border-width': 3, 'border-color': '#b3261e' } },
        { selector: 'node[?center]', style: { 'width': 30, 'height': 30, 'font-weight': 'bold' } },
        { selector: 'node[kind = "report"]', style: { 'shape': 'round-rectangle', 'font-size': 8, 'color': '#5b6675' } },
        { selector: 'edge', style: { 'width': 1.5, 'line-color': '#aeb7c2', 'curve-style': 'bezier' } },
        { selector: 'edge[link = "transfer"]', style: { 'target-arrow-shape': 'triangle', 'target-arrow-color': '#aeb7c2', 'line-color': '#b3261e' } }
      ],
      // The entity in the middle, the reports about it next, everything else on the outer rings.
      layout: { name: 'concentric', animate: false, padding: 24, minNodeSpacing: 28,
                concentric: function (n) { return n.data('center') ? 3 : (n.data('kind') === 'report' ? 2 : 1); },
                levelWidth: function () { return 1; } }
    });
    cy.on('tap', 'node', function (evt) {
      var url = evt.target.data('url');
      if (url) window.location.href = url;
    });
  }

  function countdowns() {
    var now = Date.now();
    document.querySelectorAll('.countdown[data-expires]').forEach(function (el) {
      var end = Date.parse(el.getAttribute('data-expires'));
      if (isNaN(end)) return;
      var ms = end - now;
      if (ms <= 0) { el.textContent = el.getAttribute('data-label-over'); el.classList.add('urgent'); return; }
      var h = Math.floor(ms / 3600000), m = Math.floor((ms % 3600000) / 60000), s = Math.floor((ms % 60000) / 1000);
      var text = (h >= 24 ? Math.floor(h / 24) + 'd ' + (h % 24) + 'h ' : h + 'h ') + String(m).padStart(2, '0') + 'm ' + String(s).padStart(2, '0') + 's';
      el.textContent = text + ' ' + el.getAttribute('data-label-left');
      el.classList.toggle('urgent', ms < 6 * 3600000);
    });
  }

  charts();
  graph();
  countdowns();
  if (document.querySelector('.countdown[data-expires]')) setInterval(countdowns, 1000);
  document.body.addEventListener('htmx:afterSwap', countdowns);
})();
