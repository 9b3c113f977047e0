// psirt shows every time in UTC ("2026-11-30 18:45 UTC"). This script, loaded by every page,
// rewrites those texts into the reader's own time zone (the browser's), keeping the UTC time
// in a tooltip. Without JavaScript the UTC text stays. No inline script: CSP-safe.
(function () {
  'use strict';
  var PATTERN = /(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}) UTC/g;
  var SKIP = { SCRIPT: 1, STYLE: 1, TEXTAREA: 1, PRE: 1, INPUT: 1, OPTION: 1, TIME: 1 };
  var format = new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    hour12: false, timeZoneName: 'short'
  });

  function localise(node) {
    var text = node.nodeValue;
    PATTERN.lastIndex = 0;
    if (!PATTERN.test(text)) return;
    PATTERN.lastIndex = 0;
    var frag = document.createDocumentFragment();
    var last = 0;
    var m;
    while ((m = PATTERN.exec(text)) !== null) {
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]));
      var t = document.createElement('time');
      t.setAttribute('datetime', d.toISOString());
      t.setAttribute('title', m[0]);
      t.className = 'local-time';
      t.textContent = format.format(d);
      frag.appendChild(t);
      last = m.index + m[0].length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    node.parentNode.replaceChild(frag, node);
  }

  function walk(root) {
    var nodes = [];
    var w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        for (var p = n.parentNode; p && p !== root.parentNode; p = p.parentNode) {
          if (SKIP[p.nodeName]) return NodeFilter.FILTER_REJECT;
        }
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    while (w.nextNode()) nodes.push(w.currentNode);
    nodes.forEach(localise);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { walk(document.body); });
  } else {
    walk(document.body);
  }
})();
