-- wrk script: POSTs the 8x8 CALL_STATUS example (tests/data/call_status_2026.json) with a
-- unique eventId per request, so callsink's deduplication stores every one.
-- Environment: BENCH_BODY (path of the example), BENCH_CLOSE=1 for a new connection per request.
local template
local prefix
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
    local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
    template = file:read("*a"):gsub("e2078079%-eae8%-11f0%-ae64%-a500004e488e", "EVENTID")
    file:close()
    prefix = string.format("%x-%x", os.time(), math.random(0, 0x7fffffff))
    if os.getenv("BENCH_CLOSE") == "1" then
        headers["Connection"] = "close"
    end
end

function request()
    counter = counter + 1
    local body = template:gsub("EVENTID", prefix .. "-" .. counter)
    return wrk.format("POST", "/status", headers, body)
end
