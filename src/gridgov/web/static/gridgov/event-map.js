/*
 * The intake form's map: the reporter's grid (or area) drawn with Leaflet; a click on the
 * map, or the "使用我的位置" button (the browser's geolocation), puts the event's point there
 * and fills the latitude and longitude fields. The fields stay editable, and the form works
 * without this script: the grid can be chosen from the list instead.
 *
 * Settings come from data attributes on #event-pick-map, written by the server: the GeoJSON
 * address, an optional tile server, and the messages in the user's language.
 */
(function () {
  "use strict";

  var element = document.getElementById("event-pick-map");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  var locateButton = document.getElementById("use-my-location");
  var status = document.getElementById("location-status");
  if (!latitude || !longitude) {
    return;
  }
  var settings = element ? element.dataset : {};

  var AREA_STYLE = { color: "#1f5f8b", weight: 1.5, fillColor: "#5b9bd5", fillOpacity: 0.18 };
  var POINT_STYLE = { radius: 8, color: "#ffffff", weight: 3, fillColor: "#c2410c", fillOpacity: 1 };
  var DEFAULT_ZOOM = 16;

  var map = null;
  var marker = null;

  function say(text) {
    if (status) {
      status.textContent = text || "";
    }
  }

  function round(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function place(lat, lon, moveMap) {
    latitude.value = round(lat);
    longitude.value = round(lon);
    if (!map) {
      return;
    }
    var point = L.latLng(lat, lon);
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = L.circleMarker(point, POINT_STYLE).addTo(map);
      var path = marker.getElement && marker.getElement();
      if (path) {
        path.setAttribute("data-point", "");
      }
    }
    if (moveMap) {
      map.setView(point, Math.max(map.getZoom() || 0, DEFAULT_ZOOM));
    }
  }

  function createMap(data) {
    var hasTiles = Boolean(settings.tileUrl);
    map = L.map(element, { attributionControl: hasTiles, zoomSnap: 0.25, scrollWheelZoom: false });
    if (hasTiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    var shapes = L.geoJSON(data.features && data.features.length ? data : [], {
      style: function () {
        return AREA_STYLE;
      },
      onEachFeature: function (feature, layer) {
        var properties = feature.properties || {};
        layer.bindTooltip(properties.name || properties.code, { direction: "center", className: "region-label" });
      },
    }).addTo(map);
    var own = data.region && data.region.geometry ? L.geoJSON(data.region.geometry, { style: AREA_STYLE }) : null;
    var bounds = shapes.getLayers().length ? shapes.getBounds() : own ? own.getBounds() : null;
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      map.setView([28.3, 109.5], 9); // 湘西州, when the area has no boundary yet
    }
    map.on("click", function (click) {
      place(click.latlng.lat, click.latlng.lng, false);
      say("");
    });
    var lat = parseFloat(latitude.value);
    var lon = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lon)) {
      place(lat, lon, false);
    }
    element.classList.add("region-map-ready");
  }

  if (element && typeof L !== "undefined" && settings.geojsonUrl) {
    fetch(settings.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(createMap)
      .catch(function () {
        element.textContent = "";
        var paragraph = document.createElement("p");
        paragraph.className = "map-message";
        paragraph.textContent = settings.errorText || "";
        element.appendChild(paragraph);
      });
  }

  if (locateButton) {
    if (!navigator.geolocation) {
      locateButton.hidden = true;
    } else {
      locateButton.addEventListener("click", function () {
        say(settings.locatingText);
        navigator.geolocation.getCurrentPosition(
          function (position) {
            place(position.coords.latitude, position.coords.longitude, true);
            say(settings.locatedText);
          },
          function () {
            say(settings.locateFailedText);
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
  }
})();
