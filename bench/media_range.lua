-- wrk script for bench/media.sh. With arguments `-- SIZE SPAN` every request asks for one
-- random range `bytes=a-(a+SPAN-1)` of an object of SIZE bytes (a player seeking); without,
-- plain GETs of the whole object. Each thread's offsets come from a fixed seed (its number),
-- so every server gets the same sequence of ranges. At the end one line for the shell:
--   RESULT <requests> <bytes read> <duration µs> <p50 µs> <p99 µs> <errors>
-- (bytes counted by wrk as they arrive, so an object still in flight when time is up counts
-- for what was read of it).

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

local size, span

function init(args)
  math.randomseed(seed or 1)
  if #args >= 2 then
    size, span = tonumber(args[1]), tonumber(args[2])
  end
end

function request()
  if not size then
    return wrk.format("GET")
  end
  local first = math.random(0, size - span)
  return wrk.format("GET", nil, { ["Range"] = "bytes=" .. first .. "-" .. (first + span - 1) })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
