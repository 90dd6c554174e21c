// dist/map.js + dist/map.css: a Leaflet map that fills in a latitude and a longitude field.
//
//   <div data-map-picker data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
//        data-attribution="© OpenStreetMap contributors" data-center="59.3293,18.0686" data-zoom="12"
//        data-latitude="latitude" data-longitude="longitude" data-label="..."></div>
//
// The fields stay: typing coordinates moves the marker, clicking the map writes them. Without
// JavaScript (or without a tile server) the form works as before.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

const DECIMALS = 6;

function parseCoordinate(value, limit) {
  const number = Number(String(value).trim().replace(',', '.'));
  return value !== '' && Number.isFinite(number) && Math.abs(number) <= limit ? number : null;
}

export function mapPicker(container) {
  const latitude = document.getElementById(container.dataset.latitude);
  const longitude = document.getElementById(container.dataset.longitude);
  const [centerLat, centerLng] = (container.dataset.center || '59.3293,18.0686').split(',').map(Number);
  const map = L.map(container, { keyboard: true, zoomControl: false })
    .setView([centerLat, centerLng], Number(container.dataset.zoom || 12));
  // the zoom buttons' names in the page's language (data-zoom-in, data-zoom-out), Leaflet's English otherwise
  L.control.zoom({ zoomInTitle: container.dataset.zoomIn || 'Zoom in', zoomOutTitle: container.dataset.zoomOut || 'Zoom out' })
    .addTo(map);
  L.tileLayer(container.dataset.tiles, { attribution: container.dataset.attribution || '', maxZoom: 19 }).addTo(map);
  // A circle marker: no marker images to load, and it reads well on any tiles.
  const marker = L.circleMarker([centerLat, centerLng], { radius: 9, weight: 3, color: '#0b57d0', fillOpacity: 0.4 });

  function place(lat, lng, pan) {
    marker.setLatLng([lat, lng]);
    if (!map.hasLayer(marker)) marker.addTo(map);
    if (pan) map.panTo([lat, lng]);
  }

  function fromFields() {
    const lat = parseCoordinate(latitude.value, 90);
    const lng = parseCoordinate(longitude.value, 180);
    if (lat !== null && lng !== null) place(lat, lng, true);
  }

  map.on('click', (event) => {
    const { lat, lng } = event.latlng.wrap();
    latitude.value = lat.toFixed(DECIMALS);
    longitude.value = lng.toFixed(DECIMALS);
    place(lat, lng, false);
    container.dispatchEvent(new CustomEvent('onestop:picked', { detail: { lat, lng } }));
  });
  latitude.addEventListener('change', fromFields);
  longitude.addEventListener('change', fromFields);
  fromFields();
  container.setAttribute('data-ready', 'true');
  container.onestopMap = map;
  return map;
}

document.querySelectorAll('[data-map-picker]').forEach(mapPicker);
