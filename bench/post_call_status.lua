-- wrk script: POSTs the 8x8 CALL_STATUS example (tests/data/call_status_2026.json) with a
-- distinct eventId per body. The requests are built in init(), a pool of BENCH_POOL of them (default
-- 1000), and request() only hands out the next: the client's cost per request is the same as
-- sending one fixed body, so nginx answers the bench's bodies as fast as a fixed one and the
-- client is not the limit. (Building each body per request, by gsub or even by joining strings,
-- held wrk below what nginx answers.) The pool repeats, so callsink runs with dedupe_window = 0
-- in the bench: every delivery is stored, as distinct ones would be.
-- Environment: BENCH_BODY (path of the example), BENCH_CLOSE=1 for a new connection per request,
-- BENCH_FIXED=1 to send the example unchanged every time (to measure the client's own ceiling).
local pool = {}
local next_index = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
    local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
    local body = file:read("*a")
    file:close()
    if os.getenv("BENCH_CLOSE") == "1" then
        headers["Connection"] = "close"
    end
    if os.getenv("BENCH_FIXED") == "1" then
        pool[1] = wrk.format("POST", "/status", headers, body)
        return
    end
    local id = "e2078079-eae8-11f0-ae64-a500004e488e"
    local at = assert(body:find(id, 1, true), "the example's eventId is not in BENCH_BODY")
    local before = body:sub(1, at - 1)
    local after = body:sub(at + #id)
    local prefix = string.format("%x-%x-", os.time(), math.random(0, 0x7fffffff))
    for i = 1, tonumber(os.getenv("BENCH_POOL") or "1000") do
        pool[i] = wrk.format("POST", "/status", headers, before .. prefix .. i .. after)
    end
end

function request()
    next_index = next_index % #pool + 1
    return pool[next_index]
end
