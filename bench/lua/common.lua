-- Shared by the benchmark's wrk scripts: thread numbering, reading data files, counting
-- status codes, and a done() that prints one line "JSON {...}" that bench/run parses.
--
-- setup() and done() run in wrk's main Lua state; init(), request() and response() run in
-- each thread's own state. Every state loads this file, so the helpers exist in all of them.

local threads = {}
local thread_count = 0

-- Per-thread status counts (only filled by scripts that define response()).
statuses = {}

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

-- Seeds the thread's random generator differently in every thread and every run.
function seed_random()
  local t = tid or 0
  math.randomseed(os.time() * 1000 + t * 7919 + math.floor(os.clock() * 1e6))
  for _ = 1, 10 do math.random() end
end

function read_lines(path)
  local lines = {}
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then lines[#lines + 1] = line end
  end
  file:close()
  assert(#lines > 0, "no lines in " .. path)
  return lines
end

-- "id<TAB>corporate number<TAB>organisation name" lines of the ID export.
function split_tsv(line)
  local id, corporate, name = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  if not id then return line, "", "" end
  return id, corporate, name
end

function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function count_status(status)
  statuses[status] = (statuses[status] or 0) + 1
end

local function ms(us) return us / 1000.0 end

function done(summary, latency, requests)
  local merged = {}
  local any = false
  for _, t in ipairs(threads) do
    local counts = t:get("statuses")
    if type(counts) == "table" then
      for code, n in pairs(counts) do
        local key = tostring(code)
        merged[key] = (merged[key] or 0) + n
        any = true
      end
    end
  end
  local parts = {}
  for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%s": %d', code, n) end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_s": %.3f, "rps": %.1f, "bytes": %d, ' ..
    '"latency_ms": {"mean": %.3f, "stdev": %.3f, "p50": %.3f, "p90": %.3f, "p95": %.3f, ' ..
    '"p99": %.3f, "p999": %.3f, "max": %.3f}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"statuses": %s}\n',
    summary.requests, seconds, summary.requests / seconds, summary.bytes,
    ms(latency.mean), ms(latency.stdev), ms(latency:percentile(50)), ms(latency:percentile(90)),
    ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency:percentile(99.9)),
    ms(latency.max),
    e.connect, e.read, e.write, e.status, e.timeout,
    any and ("{" .. table.concat(parts, ", ") .. "}") or "null"))
end
