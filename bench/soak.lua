-- bench/soak.sh's request mix, paced like bench/paced.lua (with -c10 about
-- 1,000 req/s): per 1,000 requests 598 cached /price over five codes (the
-- quote cache's 1 s TTL makes some of them KIS calls), 150 /healthz, 150
-- GET /orders?limit=20, 100 /holdings/aged and 2 market buy orders (each a
-- KIS order-cash call; 2/s in all). Counts answers by status per thread and
-- prints them with the orders placed at the end.
dofile("bench/paced.lua")

local threads = {}
local codes = {"005930", "000660", "035720", "005380", "051910"}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  n, orders, bad, statuses = 0, 0, 0, {}
end

function request()
  n = n + 1
  local k = n % 1000
  if k == 0 or k == 500 then
    orders = orders + 1
    local body = string.format(
      '{"code":"%s","side":"buy","qty":1,"type":"market","client_order_id":"soak-%d-%d"}',
      codes[n % 5 + 1], tid, n)
    return wrk.format("POST", "/orders", {["Content-Type"] = "application/json"}, body)
  elseif k < 600 then
    return wrk.format("GET", "/price?code=" .. codes[k % 5 + 1])
  elseif k < 750 then
    return wrk.format("GET", "/healthz")
  elseif k < 900 then
    return wrk.format("GET", "/orders?limit=20")
  end
  return wrk.format("GET", "/holdings/aged?days=0")
end

function response(status, headers, body)
  if status >= 300 then
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local o, b, by = 0, 0, {}
  for _, t in ipairs(threads) do
    o = o + t:get("orders")
    b = b + t:get("bad")
    for s, c in pairs(t:get("statuses")) do by[s] = (by[s] or 0) + c end
  end
  local list = ""
  for s, c in pairs(by) do list = list .. string.format(" %d:%d", s, c) end
  io.write(string.format("soak: orders %d, answers >= 300: %d%s\n", o, b, list))
end
