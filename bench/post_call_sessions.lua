-- wrk script: POSTs distinct events grouped into sessions as calls produce them, for the
-- postgres modes (a sink that stores each event once, by its redelivery key, and keeps a row per
-- session). BENCH_TEMPLATES names a file written by bench/run.py, one event per line: its path,
-- a tab, then its body with the placeholders @S@ (the session id), @E@ (the event id) and @T@
-- (a time), each replaced by a value of fixed width, so each line's Content-Length is known in
-- init() and a request is a handful of strings joined (the client stays far ahead of a sink
-- that runs at a fraction of nginx's rate).
--
-- The lines of a session, in order: both legs' statuses, then the summary. BENCH_WINDOW sessions
-- are under way at once, as concurrent calls are: request n goes to session (n mod WINDOW) of the
-- current generation, so consecutive deliveries belong to different sessions, and each session's
-- events come WINDOW requests apart, in order. Every eventId is new (a prefix random per run,
-- then a counter), as is every session id.
-- BENCH_SESSION: every event goes to that one session instead (its lines taken in turn), the
-- hot-session case. BENCH_FIXED=1: the first line's event, unchanged every time (the client's
-- own ceiling).
local requests = {} -- per line: the head (request line and headers), then the body's pieces
local fixed = nil
local window = tonumber(os.getenv("BENCH_WINDOW") or "1000")
local hot = os.getenv("BENCH_SESSION")
local session_prefix, event_prefix
local n = -1

local function split(body)
    -- The body's text between placeholders, and which placeholder follows each piece.
    local pieces, names = {}, {}
    local from = 1
    while true do
        local at, to, name = body:find("@([SET])@", from)
        if not at then
            break
        end
        pieces[#pieces + 1] = body:sub(from, at - 1)
        names[#names + 1] = name
        from = to + 1
    end
    pieces[#pieces + 1] = body:sub(from)
    return pieces, names
end

local function time_at(ms)
    -- Fixed width: 24 characters.
    return string.format("2026-01-06T%02d:%02d:%02d.%03dZ", math.floor(ms / 3600000) % 24,
        math.floor(ms / 60000) % 60, math.floor(ms / 1000) % 60, ms % 1000)
end

local function fill(line, values)
    local parts = { line.head }
    for i, piece in ipairs(line.pieces) do
        parts[#parts + 1] = piece
        if line.names[i] then
            parts[#parts + 1] = values[line.names[i]]
        end
    end
    return table.concat(parts)
end

function init(args)
    local seed = os.time() * 1000 + math.floor(os.clock() * 1000000)
    math.randomseed(seed)
    -- 36 characters each, as a UUID: 8 + 16 + 12.
    session_prefix = string.format("%08x-5e55-4000-8000-", math.random(0, 0x7fffffff))
    event_prefix = string.format("%08x-e7e7-4000-8000-", math.random(0, 0x7fffffff))
    local sample = { S = session_prefix .. "000000000000", E = event_prefix .. "000000000000",
                     T = time_at(0) }
    for text in io.lines(os.getenv("BENCH_TEMPLATES")) do
        local path, body = text:match("^([^\t]+)\t(.*)$")
        local pieces, names = split(body)
        local line = { pieces = pieces, names = names }
        line.head = ""
        local length = #fill(line, sample)
        line.head = "POST " .. path .. " HTTP/1.1\r\nHost: 127.0.0.1\r\n" ..
            "Content-Type: application/json\r\nContent-Length: " .. length .. "\r\n\r\n"
        requests[#requests + 1] = line
    end
    if hot then
        assert(#hot == 36, "BENCH_SESSION must be 36 characters, as the ids it stands beside")
    end
    if os.getenv("BENCH_FIXED") == "1" then
        fixed = fill(requests[1], sample)
    end
end

function request()
    if fixed then
        return fixed
    end
    n = n + 1
    local lines = #requests
    local line, session
    if hot then
        line = requests[n % lines + 1]
        session = hot
    else
        local generation = math.floor(n / (window * lines))
        local within = n % (window * lines)
        line = requests[math.floor(within / window) + 1]
        session = session_prefix .. string.format("%012d", generation * window + within % window)
    end
    return fill(line, { S = session, E = event_prefix .. string.format("%012d", n),
                        T = time_at(n) })
end
