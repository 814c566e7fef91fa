import { devPlacesFile, loadGazetteer, planDirections } from '@m2m/world-mappers'
const g = await loadGazetteer({ placesFile: devPlacesFile })
const depot = g.geocode('Rovaniemi', 1)[0]!.place
const D = ['Paris','Seattle','Tokyo','Buenos Aires','Cape Town','Sydney','Toronto','Mumbai','Madrid','Nairobi']
for (let r = 0; r < 4; r++) {
  let tg = 0, tp = 0, ts = 0, bytes = 0
  const N = 2000
  for (let i = 0; i < N; i++) {
    const d = D[i % D.length]
    let t = performance.now(); const m = g.geocode(d, 1)[0]!; tg += performance.now() - t
    t = performance.now(); const p = planDirections(g, depot, m.place); tp += performance.now() - t
    t = performance.now(); const s = JSON.stringify({ ...p, origin: depot, destination: m.place }); ts += performance.now() - t
    bytes += s.length
  }
  console.log(`geocode ${(tg/N*1000).toFixed(1)} µs, plan ${(tp/N*1000).toFixed(1)} µs, stringify ${(ts/N*1000).toFixed(1)} µs, ${Math.round(bytes/N)} bytes`)
}
