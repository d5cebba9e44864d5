-- wrk script: vector tiles of one layer, as a map client asks for them.
--   wrk -t2 -c64 -d15s --latency -s scripts/wrk/tiles.lua http://127.0.0.1:PORT -- facilities
-- Each request picks a zoom from 8 to 14 and a random tile of that zoom whose bounds meet
-- Kumamoto (lon 129.9–131.4, lat 32.0–33.2), with Accept-Encoding: gzip as browsers send it.
-- About 6,000 distinct tiles: the first request of each renders it, the rest are answered from the
-- snapshot's tile cache, as in real use. The summary adds the mean body size (gzipped bytes; 204
-- responses count as empty tiles).

local layer = "facilities"
local min_lon, max_lon, min_lat, max_lat = 129.9, 131.4, 32.0, 33.2

local function tile_x(lon, z) return math.floor((lon + 180) / 360 * 2 ^ z) end
local function tile_y(lat, z)
  local r = math.rad(lat)
  return math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * 2 ^ z)
end

local thread_count = 0
local threads = {}
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  if args[1] then layer = args[1] end
  math.randomseed(os.time() * 1000 + (thread_index or 0) * 7919)
  bytes, responses, empty = 0, 0, 0
end

function request()
  local z = math.random(8, 14)
  local x = math.random(tile_x(min_lon, z), tile_x(max_lon, z))
  local y = math.random(tile_y(max_lat, z), tile_y(min_lat, z))
  return wrk.format("GET", string.format("/tiles/%s/%d/%d/%d.mvt", layer, z, x, y), { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  responses = responses + 1
  bytes = bytes + #body
  if status == 204 then empty = empty + 1 end
end

local summary = dofile("scripts/wrk/summary.lua")
function done(s, latency, requests)
  summary(s, latency, requests)
  local total_bytes, total_responses, total_empty = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_bytes = total_bytes + thread:get("bytes")
    total_responses = total_responses + thread:get("responses")
    total_empty = total_empty + thread:get("empty")
  end
  if total_responses > 0 then
    io.write(string.format("mean tile bytes: %.0f\n", total_bytes / total_responses))
    io.write(string.format("mean non-empty tile bytes: %.0f\n", total_bytes / math.max(1, total_responses - total_empty)))
    io.write(string.format("empty tiles: %.1f%%\n", 100 * total_empty / total_responses))
  end
end
