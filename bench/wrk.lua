-- wrk script for every `make bench` measurement (pages, the tick POST and the floor alike).
--
--   wrk -t1 -c8 -d5s -s bench/wrk.lua http://127.0.0.1:PORT -- REQUESTS_FILE
--
-- REQUESTS_FILE holds one request a line, sent in turn and over again:
--   METHOD <tab> PATH <tab> BODY <tab> Header: value <tab> Header: value ...
-- (BODY empty for none). The tick POSTs rotate over learners and tasks this way, each line carrying
-- its learner's session and CSRF cookies and the form's CSRF token.
--
-- Any answer but 200 is counted: at the end one line "BENCH {json}" reports requests, duration,
-- socket errors and these unexpected answers (the bench fails on any: a broken page, not a slow one).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  prepared = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      local fields = split(line)
      local headers = {}
      for i = 4, #fields do
        local name, value = fields[i]:match("^([^:]+):%s*(.*)$")
        headers[name] = value
      end
      local body = fields[3] ~= "" and fields[3] or nil
      table.insert(prepared, wrk.format(fields[1], fields[2], headers, body))
    end
  end
  sent = 0
  unexpected = 0
  last_unexpected = 0
end

function request()
  sent = sent + 1
  return prepared[(sent - 1) % #prepared + 1]
end

function response(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
    last_unexpected = status
  end
end

function done(summary, latency, requests)
  local bad, last = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    if thread:get("last_unexpected") ~= 0 then
      last = thread:get("last_unexpected")
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "latency_p50_us": %d, "latency_p99_us": %d, '
      .. '"unexpected": %d, "last_unexpected_status": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    bad, last, errors.connect, errors.read, errors.write, errors.timeout
  ))
end
