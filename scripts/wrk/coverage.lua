-- wrk script: coverage tables of all areas for a planner exploring provider sets and radii.
--   wrk -t2 -c64 -d15s --latency -s scripts/wrk/coverage.lua http://127.0.0.1:PORT
-- Each request picks one of 4 provider sets, one of 4 radii and a redundancy of 1 or 2 (32
-- parameter sets): the first request of each computes the table, the rest are answered from the
-- snapshot's cache, as in real use.

local sets = { "needs=home_care_support", "kind=clinic&needs=home_care_support", "kind=pharmacy", "needs=palliative_ward" }
local radii = { 4, 8, 16, 30 }

local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_index or 0) * 7919)
end

function request()
  local path = string.format("/api/coverage?%s&radius_km=%d&min_providers=%d",
    sets[math.random(#sets)], radii[math.random(#radii)], math.random(2))
  return wrk.format("GET", path)
end

done = dofile("scripts/wrk/summary.lua")
