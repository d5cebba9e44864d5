-- wrk script: random nearest-provider queries inside Kumamoto Prefecture.
--   wrk -t2 -c64 -d15s --latency -s scripts/wrk/nearest.lua http://127.0.0.1:PORT [-- home_care]
-- Each request asks for the 5 nearest of one kind from a random point in the prefecture's bounding
-- box (lat 32.1-33.2, lon 129.9-131.3); about a third of the hospital and clinic queries also require
-- home-care support (在宅療養支援), which makes the search skip non-matching facilities. Pharmacies
-- are never asked for it: the capability is filed by clinics and hospitals. With the argument
-- `home_care`, every request is `needs=home_care_support&k=5` (any kind): the home-care clinic
-- search of the map's nearest panel.

local kinds = { "hospital", "clinic", "pharmacy" }
local lat_min, lat_max = 32.1, 33.2
local lon_min, lon_max = 129.9, 131.3
local needs_share = 0.3

-- Each wrk thread has its own Lua state; a distinct seed per thread keeps their points apart.
local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

local home_care_only = false

function init(args)
  home_care_only = args[1] == "home_care"
  math.randomseed(os.time() * 1000 + (thread_index or 0) * 7919)
end

function request()
  local lat = lat_min + math.random() * (lat_max - lat_min)
  local lon = lon_min + math.random() * (lon_max - lon_min)
  if home_care_only then
    return wrk.format("GET", string.format("/api/nearest?lat=%.5f&lon=%.5f&needs=home_care_support&k=5", lat, lon))
  end
  local kind = kinds[math.random(#kinds)]
  local path = string.format("/api/nearest?lat=%.5f&lon=%.5f&kind=%s&k=5", lat, lon, kind)
  if kind ~= "pharmacy" and math.random() < needs_share then
    path = path .. "&needs=home_care_support"
  end
  return wrk.format("GET", path)
end

-- The machine-readable summary that scripts/bench.sh reads.
done = dofile("scripts/wrk/summary.lua")
