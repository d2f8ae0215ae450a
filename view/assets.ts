// The page's style and script, inlined into every page (the page must work offline). The script is
// plain ES2017 with no dependency: zoom and pan by rewriting the SVG viewBox, a details panel on click,
// and the switch between the overview and the detailed picture.

export const PAGE_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,sans-serif;color:#222;background:#fff;display:grid;grid-template-rows:auto 1fr;grid-template-columns:1fr 320px;height:100vh}
header{grid-column:1/3;padding:8px 12px;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
.muted{color:#666}
.tools button{margin-right:6px;font:inherit;padding:2px 8px}
.legend i{display:inline-block;width:12px;height:12px;border:2px solid;border-radius:3px;margin:0 3px 0 8px;vertical-align:-2px}
main{overflow:hidden;position:relative;cursor:grab}
main.dragging{cursor:grabbing}
svg.graph{width:100%;height:100%;display:block;user-select:none}
svg.graph.hidden{display:none}
aside{border-left:1px solid #ddd;padding:10px 12px;overflow:auto}
aside table{border-collapse:collapse;width:100%}
aside td{padding:2px 4px;vertical-align:top;border-bottom:1px solid #eee;word-break:break-all}
aside td:first-child{color:#666;white-space:nowrap}
.edge{fill:none;stroke:#888;stroke-width:1.2}
.edge.cross{stroke:#aaa;stroke-dasharray:4 3}
.edge.hot{stroke:#d62728;stroke-width:2.5;stroke-dasharray:none}
.tools input{font:inherit;padding:1px 6px}
.box rect{stroke-width:1.5}
.box text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#222}
.box text.title{font-weight:600}
.box{cursor:pointer}
.box.selected rect{stroke:#000;stroke-width:3}
.box.group rect{stroke-dasharray:5 2;stroke-width:2}
.part-input rect,.legend .part-input{fill:#eee;stroke:#555;border-color:#555;background:#eee}
.part-backbone rect,.legend .part-backbone{fill:#dde8f4;stroke:#4e79a7;border-color:#4e79a7;background:#dde8f4}
.part-adapter rect,.legend .part-adapter{fill:#efe1ec;stroke:#b07aa1;border-color:#b07aa1;background:#efe1ec}
.part-stage rect,.legend .part-stage{fill:#ececec;stroke:#8c8c8c;border-color:#8c8c8c;background:#ececec}
.part-heatmap rect,.legend .part-heatmap{fill:#fde5cc;stroke:#f28e2b;border-color:#f28e2b;background:#fde5cc}
.part-paf rect,.legend .part-paf{fill:#dcefd8;stroke:#59a14f;border-color:#59a14f;background:#dcefd8}
body.errors{display:block}
body.errors pre{margin:12px;padding:12px;background:#fff4f4;border:1px solid #e0b4b4;white-space:pre-wrap;font:12px ui-monospace,Menlo,Consolas,monospace}
`;

export const PAGE_SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('data').textContent);
  var main = document.querySelector('main');
  var info = document.getElementById('info');
  var overview = document.getElementById('overview');
  var detail = document.getElementById('detail');
  var current = overview || detail;
  if (overview) detail.classList.add('hidden');
  function box(svg){ var v = svg.getAttribute('viewBox').split(' ').map(Number); return {x:v[0],y:v[1],w:v[2],h:v[3]}; }
  function setBox(svg,b){ svg.setAttribute('viewBox',[b.x,b.y,b.w,b.h].join(' ')); }
  function fit(svg){ setBox(svg,{x:-20,y:-20,w:Number(svg.dataset.width),h:Number(svg.dataset.height)}); }
  function show(svg){ [overview,detail].forEach(function(s){ if(s) s.classList.toggle('hidden', s!==svg); }); current = svg;
    var t = document.getElementById('toggle'); if (t) t.textContent = svg===overview ? 'show every layer' : 'show overview'; }
  function toSvg(svg,cx,cy){ var r = svg.getBoundingClientRect(), b = box(svg);
    var s = Math.max(b.w/r.width, b.h/r.height); var ox = b.x + (b.w - r.width*s)/2, oy = b.y + (b.h - r.height*s)/2;
    return {x: ox + (cx-r.left)*s, y: oy + (cy-r.top)*s}; }
  main.addEventListener('wheel', function(e){ e.preventDefault(); var p = toSvg(current,e.clientX,e.clientY), b = box(current);
    var k = Math.exp(e.deltaY*0.0015); setBox(current,{x:p.x-(p.x-b.x)*k,y:p.y-(p.y-b.y)*k,w:b.w*k,h:b.h*k}); }, {passive:false});
  var drag = null;
  main.addEventListener('mousedown', function(e){ drag = {x:e.clientX,y:e.clientY,moved:false}; main.classList.add('dragging'); });
  window.addEventListener('mouseup', function(){ main.classList.remove('dragging'); setTimeout(function(){ drag = null; }, 0); });
  window.addEventListener('mousemove', function(e){ if(!drag) return; var a = toSvg(current,drag.x,drag.y), c = toSvg(current,e.clientX,e.clientY), b = box(current);
    if (Math.abs(e.clientX-drag.x)+Math.abs(e.clientY-drag.y) > 2) drag.moved = true;
    setBox(current,{x:b.x-(c.x-a.x),y:b.y-(c.y-a.y),w:b.w,h:b.h}); drag.x = e.clientX; drag.y = e.clientY; });
  function esc(s){ return String(s).replace(/[&<>"]/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function num(n){ return Number(n).toLocaleString('en-US'); }
  function table(rows){ return '<table>' + rows.filter(function(r){ return r[1] !== '' && r[1] != null; }).map(function(r){ return '<tr><td>'+esc(r[0])+'</td><td>'+esc(r[1])+'</td></tr>'; }).join('') + '</table>'; }
  function select(el){ document.querySelectorAll('.box.selected').forEach(function(x){ x.classList.remove('selected'); });
    document.querySelectorAll('.edge.hot').forEach(function(x){ x.classList.remove('hot'); });
    if (!el) return; el.classList.add('selected');
    var id = el.dataset.node || el.dataset.group; var svg = el.ownerSVGElement;
    svg.querySelectorAll('.edge').forEach(function(p){ if (p.dataset.from === id || p.dataset.to === id) p.classList.add('hot'); }); }
  function focus(id){ var el = detail.querySelector('[data-node="'+CSS.escape(id)+'"]'); if (!el) return false; show(detail);
    var r = el.querySelector('rect'), x = +r.getAttribute('x'), y = +r.getAttribute('y');
    setBox(detail,{x:x-400,y:y-250,w:800+ +r.getAttribute('width'),h:500}); select(el); showNode(id); return true; }
  function showNode(id){ var n = data.nodes[id]; if(!n) return;
    info.innerHTML = '<h3>'+esc(n.id)+'</h3>' + table([['op',n.op],['part',n.part],['output H×W×C',n.shape],['parameters',num(n.params)],['MACs',num(n.macs)],['receptive field',n.receptiveField],['spec',n.where]].concat(n.callers.map(function(c,i){ return [i===0?'called from':'', c]; }))); }
  function showGroup(id){ var g = data.groups[id]; if(!g) return;
    info.innerHTML = '<h3>'+esc(g.label)+'</h3>' + table([['part',g.part],['layers',g.members.length],['output H×W×C',g.shape],['parameters',num(g.params)],['MACs',num(g.macs)],['spec',(data.nodes[g.members[0]]||{}).where]]);
    show(detail); var els = g.members.map(function(m){ return detail.querySelector('[data-node="'+CSS.escape(m)+'"] rect'); }).filter(Boolean);
    var x0=Infinity,y0=Infinity,x1=-Infinity,y1=-Infinity; els.forEach(function(r){ var x=+r.getAttribute('x'),y=+r.getAttribute('y'); x0=Math.min(x0,x); y0=Math.min(y0,y); x1=Math.max(x1,x+ +r.getAttribute('width')); y1=Math.max(y1,y+ +r.getAttribute('height')); });
    if (els.length) setBox(detail,{x:x0-60,y:y0-60,w:x1-x0+120,h:y1-y0+120});
    document.querySelectorAll('#detail .box.selected').forEach(function(x){ x.classList.remove('selected'); });
    els.forEach(function(r){ r.parentNode.classList.add('selected'); }); }
  main.addEventListener('click', function(e){ if (drag && drag.moved) return; var el = e.target.closest('.box'); if(!el) return;
    if (el.dataset.node){ select(el); showNode(el.dataset.node); } else if (el.dataset.group){ showGroup(el.dataset.group); } });
  var t = document.getElementById('toggle'); if (t) t.addEventListener('click', function(){ show(current===overview?detail:overview); });
  document.getElementById('fit').addEventListener('click', function(){ fit(current); });
  document.getElementById('find').addEventListener('change', function(e){ var v = e.target.value.trim(); if (v && !focus(v)) e.target.setCustomValidity('no layer named ' + v); else e.target.setCustomValidity(''); });
})();
`;
