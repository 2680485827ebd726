-- wrk script for bench/auth_modes.sh: POST the chat request with the caller's headers.
-- Environment:
--   BENCH_BODY      request body (JSON)
--   BENCH_HEADERS   "Name: value" pairs separated by "|" (e.g. the Authorization header, or the
--                   identity header a trusted proxy would set)
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
for pair in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^|]+") do
  local name, value = string.match(pair, "^%s*([^:]+):%s*(.*)$")
  if name ~= nil then
    wrk.headers[name] = value
  end
end
