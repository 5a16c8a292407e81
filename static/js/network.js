/*
 * The collaboration network map (sigma.js 3 + graphology), and the "still being computed"
 * poller. No inline script: every setting comes from data- attributes on #network-map.
 * Used by the map page, the ego page and the panels on organisation and cluster pages.
 *
 * The JSON is graph.to_sigma_json's: graphology's serialised format with edges as compact
 * [source, target, weight] triples, expanded here before graph.import().
 * Node attributes: label, x, y, kind, place, community, broker, d (ties), wd (weighted ties),
 * pr (PageRank), bt (betweenness), cl (cluster ids), se (index into labels.sector).
 */
(function () {
  "use strict";

  // Okabe–Ito and Tableau-like colours: distinguishable, also for most colour-blind readers.
  var PALETTE = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C564B",
    "#F0E442", "#7F7F7F", "#17BECF", "#9467BD", "#BCBD22"
  ];
  var OTHER = "#c8c8c8";
  var SIZE_KEYS = { degree: "d", weighted_degree: "wd", pagerank: "pr", betweenness: "bt" };
  // Maps of at most this many organisations name every one of them.
  var SMALL_MAP = 40;

  function pollUntilReady() {
    var pending = document.getElementById("network-pending");
    if (!pending || !pending.dataset.statusUrl) return;
    var url = pending.dataset.statusUrl;
    function check() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && data.ready) {
            window.location.reload();
          } else {
            window.setTimeout(check, 3000);
          }
        })
        .catch(function () { window.setTimeout(check, 10000); });
    }
    window.setTimeout(check, 2000);
  }

  function text(container, key) {
    return container.dataset["text" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  }

  function expandEdges(data) {
    data.edges = data.edges.map(function (edge) {
      return { source: edge[0], target: edge[1], attributes: { weight: edge[2] } };
    });
    return data;
  }

  function categoryOf(attributes, colourBy) {
    if (colourBy === "community") return attributes.community;
    if (colourBy === "cluster") return attributes.cl ? attributes.cl[0] : undefined;
    if (colourBy === "sector") return attributes.se;
    return attributes.kind;
  }

  function categoryLabel(value, colourBy, labels, container) {
    if (value === undefined || value === null) return text(container, "none");
    if (colourBy === "community") {
      return (labels.community || {})[String(value)] || text(container, "community") + " " + value;
    }
    if (colourBy === "cluster") return (labels.cluster || {})[String(value)] || String(value);
    if (colourBy === "sector") return (labels.sector || [])[value] || String(value);
    return (labels.kind || {})[value] || String(value);
  }

  /* Colour the nodes by the chosen category; the most common categories get a colour each. */
  function colourNodes(graph, colourBy, labels, container) {
    var counts = new Map();
    graph.forEachNode(function (node, attributes) {
      var value = categoryOf(attributes, colourBy);
      counts.set(value, (counts.get(value) || 0) + 1);
    });
    var ordered = Array.from(counts.entries())
      .filter(function (entry) { return entry[0] !== undefined && entry[0] !== null; })
      .sort(function (a, b) { return b[1] - a[1] || String(a[0]).localeCompare(String(b[0])); });
    var colours = new Map();
    ordered.slice(0, PALETTE.length).forEach(function (entry, index) {
      colours.set(entry[0], PALETTE[index]);
    });
    graph.forEachNode(function (node, attributes) {
      var colour = colours.get(categoryOf(attributes, colourBy)) || OTHER;
      graph.setNodeAttribute(node, "color", colour);
    });
    var legend = document.getElementById("network-legend");
    if (!legend) return;
    legend.textContent = "";
    colours.forEach(function (colour, value) {
      legend.appendChild(legendItem(colour, categoryLabel(value, colourBy, labels, container)));
    });
    if (ordered.length > PALETTE.length || counts.has(undefined)) {
      legend.appendChild(legendItem(OTHER, text(container, "other")));
    }
  }

  function legendItem(colour, label) {
    var item = document.createElement("li");
    var swatch = document.createElement("span");
    swatch.className = "d-inline-block rounded-circle me-2 align-middle network-swatch";
    swatch.style.backgroundColor = colour;
    swatch.setAttribute("aria-hidden", "true");
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(label));
    return item;
  }

  function sizeNodes(graph, sizeBy) {
    var key = SIZE_KEYS[sizeBy] || "pr";
    var largest = 0;
    graph.forEachNode(function (node, attributes) {
      largest = Math.max(largest, attributes[key] || 0);
    });
    graph.forEachNode(function (node, attributes) {
      var value = attributes[key] || 0;
      // Area grows with the metric, so the radius grows with its square root.
      var size = 2 + (largest ? 10 * Math.sqrt(value / largest) : 0);
      graph.setNodeAttribute(node, "size", size);
    });
  }

  /* Figures rounded for people, in the page's language (2 000 / 12,5 % in bokmål). */
  function numberFormats() {
    var lang = document.documentElement.lang || undefined;
    return {
      whole: new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }),
      decimal: new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }),
      percent: new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 })
    };
  }

  /* Where a label fits inside the canvas: right of the dot, or left of it near the right
     edge, and never above the top or below the bottom (sigma's own labels are cut there). */
  function labelPlace(container, context, data, fontSize) {
    var width = context.measureText(data.label).width;
    var x = data.x + data.size + 3;
    if (x + width > container.clientWidth - 2) x = Math.max(2, data.x - data.size - 3 - width);
    var y = Math.min(Math.max(data.y + fontSize / 3, fontSize + 2), container.clientHeight - 4);
    return { x: x, y: y, width: width };
  }

  function labelDrawer(container) {
    /* Where each name was last drawn (name -> {x, y, width}), for the browser tests. */
    container.labelBoxes = {};
    return function (context, data, settings) {
      if (!data.label) return;
      var size = settings.labelSize;
      context.font = settings.labelWeight + " " + size + "px " + settings.labelFont;
      var place = labelPlace(container, context, data, size);
      container.labelBoxes[data.label] = place;
      /* A white halo keeps a name readable where it crosses ties. */
      context.lineWidth = 3;
      context.lineJoin = "round";
      context.strokeStyle = "rgba(255, 255, 255, 0.92)";
      context.strokeText(data.label, place.x, place.y);
      context.fillStyle = "#212529";
      context.fillText(data.label, place.x, place.y);
    };
  }

  function hoverDrawer(container) {
    var drawLabel = labelDrawer(container);
    return function (context, data, settings) {
      var size = settings.labelSize;
      context.font = settings.labelWeight + " " + size + "px " + settings.labelFont;
      context.fillStyle = "#fff";
      context.shadowOffsetX = 0;
      context.shadowOffsetY = 0;
      context.shadowBlur = 8;
      context.shadowColor = "#000";
      context.beginPath();
      context.arc(data.x, data.y, data.size + 2, 0, Math.PI * 2);
      context.closePath();
      context.fill();
      if (data.label) {
        var place = labelPlace(container, context, data, size);
        context.fillRect(place.x - 3, place.y - size, place.width + 6, size + 6);
      }
      context.shadowBlur = 0;
      drawLabel(context, data, settings);
    };
  }

  function withId(template, id) {
    // url_for(..., company_id=0) gives ".../0" or ".../0/ego": put the id in place of the 0.
    return template.replace(/\/0(\/|$)/, "/" + id + "$1");
  }

  function row(list, term, value) {
    var dt = document.createElement("dt");
    dt.className = "col-6";
    dt.textContent = term;
    var dd = document.createElement("dd");
    dd.className = "col-6";
    dd.textContent = value;
    list.appendChild(dt);
    list.appendChild(dd);
  }

  function showPanel(container, graph, node, labels) {
    var panel = document.getElementById("network-panel");
    if (!panel) {
      window.location.href = withId(container.dataset.egoUrl, node);
      return;
    }
    var a = graph.getNodeAttributes(node);
    panel.dataset.node = String(node);
    panel.textContent = "";
    var heading = document.createElement("h2");
    heading.className = "h5";
    heading.textContent = a.label;
    panel.appendChild(heading);
    var list = document.createElement("dl");
    list.className = "row small";
    if (a.kind) row(list, text(container, "kind"), (labels.kind || {})[a.kind] || a.kind);
    if (a.place) row(list, text(container, "place"), a.place);
    var formats = numberFormats();
    row(list, text(container, "ties"), formats.whole.format(a.d || 0));
    row(list, text(container, "weighted"), formats.decimal.format(a.wd || 0));
    row(list, text(container, "pagerank"), formats.percent.format(a.pr || 0));
    if (a.bt !== undefined) row(list, text(container, "betweenness"), formats.percent.format(a.bt));
    if (a.community !== undefined) {
      row(list, text(container, "community"), categoryLabel(a.community, "community", labels, container));
    }
    if (a.broker) row(list, text(container, "broker"), text(container, "yes"));
    if (a.cl) {
      row(list, text(container, "clusters"), a.cl.map(function (id) {
        return (labels.cluster || {})[String(id)] || String(id);
      }).join(", "));
    }
    panel.appendChild(list);
    var open = document.createElement("a");
    open.href = withId(container.dataset.companyUrl, node);
    open.className = "btn btn-sm btn-primary me-2";
    open.textContent = text(container, "open");
    panel.appendChild(open);
    if (container.dataset.egoUrl) {
      var ego = document.createElement("a");
      ego.href = withId(container.dataset.egoUrl, node);
      ego.className = "btn btn-sm btn-outline-secondary";
      ego.textContent = text(container, "ego");
      panel.appendChild(ego);
    }
  }

  function focusNode(renderer, graph, node) {
    /* Only the previous choice loses its highlight: clearing all 5,000 nodes made sigma
       reprocess every one of them before the next frame. */
    var previous = renderer.highlightedNode;
    if (previous !== undefined && previous !== node && graph.hasNode(previous)) {
      graph.removeNodeAttribute(previous, "highlighted");
    }
    renderer.highlightedNode = node;
    graph.setNodeAttribute(node, "highlighted", true);
    var display = renderer.getNodeDisplayData(node);
    if (display) {
      renderer.getCamera().animate({ x: display.x, y: display.y, ratio: 0.25 }, { duration: 400 });
    }
  }

  function setUpSearch(container, renderer, graph, labels) {
    var input = document.getElementById("network-search");
    var button = document.getElementById("network-find");
    if (!input) return;
    var byLabel = new Map();
    graph.forEachNode(function (node, attributes) {
      byLabel.set(String(attributes.label).toLowerCase(), node);
    });
    function matching(wanted, limit) {
      var found = [];
      for (var entry of byLabel) {
        if (entry[0].indexOf(wanted) !== -1) {
          found.push(entry[1]);
          if (found.length === limit) break;
        }
      }
      return found;
    }
    /* The app's one combobox (static/js/combobox.js), offering the organisations on the map. */
    if (window.Combobox) {
      window.Combobox.attach(input, {
        source: function (query) {
          return matching(query.toLowerCase(), 10).map(function (node) {
            return { id: node, label: graph.getNodeAttribute(node, "label") };
          });
        },
        pick: function (result) {
          input.value = result.label;
          choose(result.id);
        }
      });
    }
    var status = document.getElementById("network-layout-status");
    function find() {
      var wanted = input.value.trim().toLowerCase();
      if (!wanted) return;
      var node = byLabel.has(wanted) ? byLabel.get(wanted) : matching(wanted, 1)[0];
      if (node === undefined) {
        if (status) status.textContent = text(container, "notfound");
        return;
      }
      choose(node);
    }
    function choose(node) {
      if (status) status.textContent = "";
      /* Enter, then the change event when the box loses focus (e.g. on a click on the panel's
         link), both ask for the same node: drawing the panel again would swallow that click. */
      var panel = document.getElementById("network-panel");
      if (panel && panel.dataset.node === String(node)) return;
      focusNode(renderer, graph, node);
      showPanel(container, graph, node, labels);
    }
    input.addEventListener("keydown", function (event) {
      /* The combobox has already handled an Enter that picked a suggestion. */
      if (event.key === "Enter" && !event.defaultPrevented) { event.preventDefault(); find(); }
    });
    input.addEventListener("change", find);
    if (button) button.addEventListener("click", find);
  }

  /* ForceAtlas2 in a web worker (a same-origin file, so the CSP allows it), from the seeded
     positions the server sent: the same start gives the same result on every visit. */
  function setUpRefine(container, graph) {
    var button = document.getElementById("network-refine");
    var status = document.getElementById("network-layout-status");
    if (!button || !container.dataset.workerUrl || typeof Worker === "undefined") {
      if (button) button.hidden = true;
      return;
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      if (status) status.textContent = text(container, "refining");
      var worker = new Worker(container.dataset.workerUrl);
      var nodes = [];
      graph.forEachNode(function (node, a) { nodes.push([node, a.x, a.y]); });
      var edges = [];
      graph.forEachEdge(function (edge, a, source, target) { edges.push([source, target, a.weight || 1]); });
      worker.onmessage = function (event) {
        var positions = event.data;
        graph.updateEachNodeAttributes(function (node, attributes) {
          var p = positions[node];
          if (p) { attributes.x = p.x; attributes.y = p.y; }
          return attributes;
        }, { attributes: ["x", "y"] });
        worker.terminate();
        button.disabled = false;
        container.dataset.layout = "refined";
        if (status) status.textContent = text(container, "refined");
      };
      worker.onerror = function () {
        button.disabled = false;
        container.dataset.layout = "error";
      };
      worker.postMessage({
        libraries: container.dataset.libraryUrls.split(" ").map(function (path) {
          return new URL(path, window.location.href).href;
        }),
        nodes: nodes,
        edges: edges,
        iterations: graph.order > 3000 ? 60 : 150
      });
    });
  }

  function showBusy(container, message) {
    var notice = document.createElement("p");
    notice.className = "alert alert-warning";
    notice.setAttribute("role", "status");
    notice.id = "network-busy";
    notice.textContent = message;
    var frame = container.closest(".ratio") || container;
    frame.parentNode.insertBefore(notice, frame);
  }

  function drawMap(container) {
    fetch(container.dataset.graphUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 429) {
          /* Too much to compute now: the server says when to try again, in the page's words. */
          return response.json().then(function (body) {
            showBusy(container, body.message);
            throw new Error("busy");
          });
        }
        if (response.status !== 200) throw new Error("graph not ready: " + response.status);
        return response.json();
      })
      .then(function (data) {
        var labels = (data.attributes && data.attributes.labels) || {};
        var graph = new graphology.Graph({ type: "undirected", multi: false });
        graph.import(expandEdges(data));
        var colourBy = container.dataset.colour || "community";
        colourNodes(graph, colourBy, labels, container);
        sizeNodes(graph, container.dataset.size || "pagerank");
        graph.forEachEdge(function (edge, attributes) {
          graph.setEdgeAttribute(edge, "size", Math.min(0.5 + (attributes.weight || 1) / 4, 3));
          graph.setEdgeAttribute(edge, "color", "#d9d9d9");
        });
        /* A small map (a cluster's members, an ego network) names every organisation; a large
           one names the most influential always (forceLabel from the server) and the others
           as zooming in makes room. */
        if (graph.order <= SMALL_MAP) {
          graph.forEachNode(function (node) { graph.setNodeAttribute(node, "forceLabel", true); });
        }
        var renderer = new Sigma(graph, container, {
          labelRenderedSizeThreshold: 5,
          labelDensity: 0.5,
          labelGridCellSize: 80,
          labelSize: 13,
          labelWeight: "500",
          defaultDrawNodeLabel: labelDrawer(container),
          defaultDrawNodeHover: hoverDrawer(container),
          zIndex: true,
          defaultEdgeColor: "#d9d9d9",
          /* A resize can leave the container 0 px wide for a moment (a full-page screenshot,
             a collapsed column on a phone): draw nothing then rather than throw. */
          allowInvalidContainer: true
        });
        renderer.on("clickNode", function (event) {
          focusNode(renderer, graph, event.node);
          showPanel(container, graph, event.node, labels);
        });
        setUpSearch(container, renderer, graph, labels);
        setUpRefine(container, graph);
        window.networkMap = { graph: graph, renderer: renderer };
        /* Sigma drew the first frame in its constructor; the next animation frame is after it
           is on screen. data-ready="true" then means interactive: drawn, clickable and the
           search box answering. data-ready-at is when (ms since navigation start), for
           bench/network_map.py. */
        window.requestAnimationFrame(function () {
          container.dataset.readyAt = String(Math.round(performance.now()));
          container.dataset.ready = "true";
        });
      })
      .catch(function (error) {
        container.dataset.ready = "error";
        if (window.console) console.warn(error);
      });
  }

  function drawIfPresent() {
    var container = document.getElementById("network-map");
    if (container && typeof Sigma !== "undefined" && typeof graphology !== "undefined") {
      drawMap(container);
    }
  }

  /* An organisation's or a cluster's page fetches its ties after loading (they take a graph to
     work out); the fragment may hold a small map, drawn once it is in the page. */
  function loadSummary(placeholder) {
    fetch(placeholder.dataset.networkSummaryUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fragment = new DOMParser().parseFromString(html, "text/html");
        placeholder.replaceChildren.apply(placeholder, Array.from(fragment.body.childNodes));
        drawIfPresent();
      })
      .catch(function (error) {
        if (window.console) console.warn(error);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    pollUntilReady();
    var placeholder = document.querySelector("[data-network-summary-url]");
    if (placeholder) {
      loadSummary(placeholder);
    } else {
      drawIfPresent();
    }
  });
})();
