/*
 * ForceAtlas2 for the network map, off the main thread. Loaded as a same-origin worker file
 * (a Blob worker would be refused by the page's Content-Security-Policy).
 *
 * Message in:  {libraries: [graphology URL, graphology-library URL], nodes: [[key, x, y]],
 *               edges: [[source, target, weight]], iterations: N}
 * Message out: {key: {x, y}} — the refined positions.
 */
/* global graphology, graphologyLibrary */
"use strict";

self.onmessage = function (event) {
  var data = event.data;
  // The library's GEXF reader asks for these when it loads; a worker has neither, and the
  // layout does not use them.
  if (typeof self.DOMParser === "undefined") self.DOMParser = function DOMParser() {};
  if (typeof self.Document === "undefined") self.Document = function Document() {};
  importScripts.apply(self, data.libraries);
  var graph = new graphology.Graph({ type: "undirected", multi: false });
  data.nodes.forEach(function (node) { graph.addNode(node[0], { x: node[1], y: node[2] }); });
  data.edges.forEach(function (edge) {
    if (!graph.hasEdge(edge[0], edge[1])) graph.addEdge(edge[0], edge[1], { weight: edge[2] });
  });
  var forceAtlas2 = graphologyLibrary.layoutForceAtlas2;
  var settings = forceAtlas2.inferSettings(graph);
  settings.barnesHutOptimize = graph.order > 1000;
  var positions = forceAtlas2(graph, {
    iterations: data.iterations || 100,
    settings: settings,
    getEdgeWeight: "weight"
  });
  self.postMessage(positions);
};
