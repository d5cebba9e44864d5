-- wrk script: pharmacies replacing their opioid stock lists (PUT /api/pharmacies/{id}/stock), each
-- an acknowledged, fsync'ed SQLite transaction.
--   KANWAMAP_BENCH_TOKENS="id1=token1,id2=token2" wrk -t1 -c8 -d15s --latency -s scripts/wrk/stock.lua URL
-- Each request picks a pharmacy at random and sends a list of 1-6 catalogue products with random
-- statuses, as a pharmacy would after checking its shelves.

local pharmacies = {}
for id, token in string.gmatch(os.getenv("KANWAMAP_BENCH_TOKENS") or "", "([^,=]+)=([^,]+)") do
  pharmacies[#pharmacies + 1] = { id = id, token = token }
end
if #pharmacies == 0 then
  error("KANWAMAP_BENCH_TOKENS is empty: scripts/bench.sh sets it")
end

local products = {
  "morphine_ir", "morphine_sr", "morphine_injection", "oxycodone_ir", "oxycodone_sr",
  "oxycodone_injection", "hydromorphone_sr", "fentanyl_patch_1day", "fentanyl_patch_3day",
  "fentanyl_buccal", "tapentadol_sr", "methadone_ir",
}
local statuses = { "in_stock", "orderable", "none" }

local thread_count = 0
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_index or 0) * 7919)
end

function request()
  local p = pharmacies[math.random(#pharmacies)]
  local items = {}
  local first = math.random(#products - 5)
  for i = first, first + math.random(0, 5) do
    local status = statuses[math.random(#statuses)]
    local days = status == "orderable" and tostring(math.random(1, 7)) or "null"
    items[#items + 1] = string.format('{"product":"%s","status":"%s","orderable_days":%s}', products[i], status, days)
  end
  local body = string.format('{"items":[%s],"services":{"home_visits":true,"open_24h":%s}}',
    table.concat(items, ","), math.random() < 0.5 and "true" or "false")
  return wrk.format("PUT", "/api/pharmacies/" .. p.id .. "/stock",
    { ["Authorization"] = "Bearer " .. p.token, ["Content-Type"] = "application/json" }, body)
end

done = dofile("scripts/wrk/summary.lua")
