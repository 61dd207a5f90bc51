-- bench/http/vote.lua — POST <url path> {"user":...,"option":"control"} for
-- bench/run_http_bench, a user never seen before on every request:
-- "<prefix>-t<thread>-<n>", the prefix from the arguments after "--" (one
-- per run, so repetitions on one server do not re-vote).
--   wrk ... -s bench/http/vote.lua http://127.0.0.1:P/v1/polls/ID/votes -- run1
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local prefix
init = function(args)
  prefix = (args[1] or "vote") .. "-t" .. id .. "-"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"user":"' .. prefix .. n .. '","option":"control"}')
end
