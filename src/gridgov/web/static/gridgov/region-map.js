/*
 * The region map: the children of a region (or a grid's own boundary) drawn with Leaflet.
 *
 * Everything the script needs comes from data attributes on #region-map, written by the
 * server: the GeoJSON address, the page address of a region ("CODE" stands for its code),
 * an optional tile server and the messages in the user's language. Government intranets
 * often have no tile server, so without one the polygons are drawn on a blank background
 * and each one carries its name as a label.
 *
 * A household card sets data-point-lat / data-point-lon (and data-point-label): the point is
 * drawn as a dot inside its grid, and the grid's name moves to a hover label so that it
 * does not sit on top of the dot (households default to the grid's centre).
 */
(function () {
  "use strict";

  var element = document.getElementById("region-map");
  if (!element || typeof L === "undefined") {
    return;
  }
  var settings = element.dataset;

  var CHILD_STYLE = { color: "#1f5f8b", weight: 1.5, fillColor: "#5b9bd5", fillOpacity: 0.22 };
  var CHILD_HOVER = { weight: 3, fillOpacity: 0.4 };
  var OUTLINE_STYLE = { color: "#1b2b3a", weight: 2, dashArray: "6 4", fill: false };
  var POINT_STYLE = {
    radius: 8,
    color: "#ffffff",
    weight: 3,
    fillColor: "#c2410c",
    fillOpacity: 1,
  };
  var POINT_ZOOM = 16;

  // The point of a household card, or null on a region page.
  function pointFromSettings() {
    var lat = parseFloat(settings.pointLat);
    var lon = parseFloat(settings.pointLon);
    return isFinite(lat) && isFinite(lon) ? L.latLng(lat, lon) : null;
  }
  var point = pointFromSettings();

  function showMessage(text) {
    element.classList.add("region-map-empty");
    element.textContent = "";
    var paragraph = document.createElement("p");
    paragraph.className = "map-message";
    paragraph.textContent = text;
    element.appendChild(paragraph);
  }

  function regionUrl(code) {
    return settings.regionUrl.replace("CODE", encodeURIComponent(code));
  }

  function createMap() {
    var hasTiles = Boolean(settings.tileUrl);
    var map = L.map(element, {
      // The attribution box only matters when someone else's tiles are shown.
      attributionControl: hasTiles,
      zoomSnap: 0.25,
      scrollWheelZoom: false,
    });
    if (hasTiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(settings.tileUrl, {
        attribution: settings.tileAttribution || "",
        maxZoom: 18,
      }).addTo(map);
    }
    return map;
  }

  // Each child is labelled with its name and opens its own page when clicked; the region
  // itself (a grid, which has no children) is drawn the same way but leads nowhere.
  function addChildren(map, collection, ownCode) {
    return L.geoJSON(collection, {
      style: function () {
        return CHILD_STYLE;
      },
      onEachFeature: function (feature, layer) {
        var properties = feature.properties || {};
        layer.bindTooltip(properties.name || properties.code, {
          permanent: !point,
          direction: "center",
          className: "region-label",
        });
        if (properties.code === ownCode) {
          return;
        }
        layer.on("click", function () {
          window.location.href = regionUrl(properties.code);
        });
        layer.on("mouseover", function () {
          layer.setStyle(CHILD_HOVER);
          setLabelShown(layer, true);
        });
        layer.on("mouseout", function () {
          layer.setStyle(CHILD_STYLE);
          setLabelShown(layer, !layer.labelHidden);
        });
      },
    }).addTo(map);
  }

  function setLabelShown(layer, shown) {
    var label = layer.getTooltip() && layer.getTooltip().getElement();
    if (label) {
      label.style.visibility = shown ? "" : "hidden";
    }
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  // Where small neighbours' names would print over each other, the larger region keeps its
  // label and the smaller one shows its name on hover; zooming in brings the names back.
  function declutterLabels(map, layer) {
    var shapes = layer.getLayers().filter(function (shape) {
      return shape.getTooltip && shape.getTooltip();
    });
    var size = function (shape) {
      var bounds = shape.getBounds();
      var corner = map.latLngToLayerPoint(bounds.getNorthWest());
      var opposite = map.latLngToLayerPoint(bounds.getSouthEast());
      return Math.abs((opposite.x - corner.x) * (opposite.y - corner.y));
    };
    shapes.sort(function (a, b) {
      return size(b) - size(a);
    });
    var placed = [];
    shapes.forEach(function (shape) {
      setLabelShown(shape, true);
      var label = shape.getTooltip().getElement();
      if (!label) {
        return;
      }
      var box = label.getBoundingClientRect();
      shape.labelHidden = placed.some(function (other) {
        return overlaps(box, other);
      });
      if (shape.labelHidden) {
        setLabelShown(shape, false);
      } else {
        placed.push(box);
      }
    });
  }

  // Name every drawn shape after its region, for screen readers and for the browser tests.
  function nameShapes(layer) {
    layer.eachLayer(function (shape) {
      var path = shape.getElement && shape.getElement();
      if (path) {
        path.setAttribute("data-code", shape.feature.properties.code);
        path.setAttribute("aria-label", shape.feature.properties.name);
      }
    });
  }

  function addPoint(map) {
    var marker = L.circleMarker(point, POINT_STYLE).addTo(map);
    if (settings.pointLabel) {
      marker.bindTooltip(settings.pointLabel, { direction: "top", offset: [0, -8] });
    }
    var path = marker.getElement && marker.getElement();
    if (path) {
      path.setAttribute("data-point", "");
      path.setAttribute("aria-label", settings.pointLabel || "");
    }
    return marker;
  }

  function draw(data) {
    var own = data.region || {};
    var hasChildren = data.features && data.features.length > 0;
    if (!hasChildren && !own.geometry && !point) {
      showMessage(settings.emptyText);
      return;
    }
    var map = createMap();
    var outline = own.geometry
      ? L.geoJSON(own.geometry, { style: OUTLINE_STYLE, interactive: false }).addTo(map)
      : null;
    var children = hasChildren ? addChildren(map, data, own.code) : null;
    var shapes = children || outline;
    if (shapes) {
      var bounds = shapes.getBounds();
      if (outline) {
        bounds.extend(outline.getBounds());
      }
      if (point) {
        bounds.extend(point);
      }
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      map.setView(point, POINT_ZOOM);
    }
    if (point) {
      addPoint(map);
    }
    if (children) {
      nameShapes(children);
    }
    if (children && !point) {
      declutterLabels(map, children);
      map.on("zoomend", function () {
        declutterLabels(map, children);
      });
    }
    element.classList.add("region-map-ready");
  }

  fetch(settings.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      showMessage(settings.errorText);
    });
})();
