-- The machine-readable summary printed after wrk's own report; scripts/bench.sh reads these lines.
-- Loaded by the request scripts with dofile (wrk runs from the repository root).
return function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write("--- kanwamap summary\n")
  io.write(string.format("requests: %d\n", summary.requests))
  io.write(string.format("requests/s: %.1f\n", summary.requests / seconds))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency p%s: %.2f ms\n", tostring(p), latency:percentile(p) / 1000))
  end
  io.write(string.format("latency max: %.2f ms\n", latency.max / 1000))
  io.write(string.format("non-2xx: %d\n", e.status))
  io.write(string.format("socket errors: %d\n", e.connect + e.read + e.write + e.timeout))
end
