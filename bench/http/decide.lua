-- bench/http/decide.lua — GET /v1/decide?user=...&attr.country=DE for
-- bench/run_http_bench: each wrk thread cycles through 100,000 user ids of
-- its own ("t<thread>-u<n>"), none of them a stored profile. The key comes
-- from wrk's -H "Authorization: Bearer KEY".
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local n = 0
request = function()
  n = (n + 1) % 100000
  return wrk.format("GET", "/v1/decide?user=t" .. id .. "-u" .. n .. "&attr.country=DE")
end
