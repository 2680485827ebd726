-- wrk script: POST an OpenAI chat request with the same body and headers to every target.
-- Environment (set by bench/run.sh):
--   BENCH_BODY   request body (JSON)
--   BENCH_AUTH   value of the Authorization header; empty = no header
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
  or '{"model":"bench/gpt-4o","messages":[{"role":"user","content":"hi"}]}'
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth ~= nil and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
