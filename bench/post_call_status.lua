-- wrk script: POSTs the 8x8 CALL_STATUS example (tests/data/call_status_2026.json) with a
-- unique eventId per request, so callsink's deduplication stores every one.
-- The body is split around the eventId once, in init(); a request only joins three strings, so
-- the client spends its core on sending, not on building bodies (a gsub over the whole body per
-- request held wrk near 50k requests/s, below what nginx answers).
-- Environment: BENCH_BODY (path of the example), BENCH_CLOSE=1 for a new connection per request,
-- BENCH_FIXED=1 to send the example unchanged every time (to measure the client's own ceiling).
local before
local after
local prefix
local fixed
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
    local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
    local body = file:read("*a")
    file:close()
    local id = "e2078079-eae8-11f0-ae64-a500004e488e"
    local at = assert(body:find(id, 1, true), "the example's eventId is not in BENCH_BODY")
    before = body:sub(1, at - 1)
    after = body:sub(at + #id)
    prefix = string.format("%x-%x-", os.time(), math.random(0, 0x7fffffff))
    if os.getenv("BENCH_CLOSE") == "1" then
        headers["Connection"] = "close"
    end
    if os.getenv("BENCH_FIXED") == "1" then
        fixed = wrk.format("POST", "/status", headers, body)
    end
end

function request()
    if fixed then
        return fixed
    end
    counter = counter + 1
    return wrk.format("POST", "/status", headers, before .. prefix .. counter .. after)
end
