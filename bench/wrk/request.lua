-- One fixed request for wrk, read from a file the harness wrote (bench/http_load.py),
-- and the result printed as one JSON line that the harness parses.
--
--   wrk ... -s bench/wrk/request.lua http://127.0.0.1:PORT -- GET  path-file
--   wrk ... -s bench/wrk/request.lua http://127.0.0.1:PORT -- POST body-file content-type path
--
-- The request goes in wrk.method/path/headers/body during init, so wrk formats it once
-- per thread and sends the same bytes every time: no Lua runs per request.

local function slurp(name)
  local file = assert(io.open(name, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

function init(args)
  wrk.method = args[1]
  if args[1] == "GET" then
    wrk.path = slurp(args[2])
  else
    wrk.body = slurp(args[2])
    wrk.headers["Content-Type"] = args[3]
    wrk.path = args[4]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
