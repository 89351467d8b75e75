-- Replays pre-signed requests, each once: thread k of n sends lines k, k+n, k+2n, ...
-- of the file named by REQUESTS ("path<TAB>Signature-Input<TAB>Signature" per line;
-- a line with only a path is sent unsigned). A thread that runs out stops, so no
-- signature is ever sent twice (a replay would be refused, as it should be).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("WRK_THREADS"))
  lines, position = {}, 0
  local k = 0
  for line in io.lines(os.getenv("REQUESTS")) do
    if k % n == id then
      table.insert(lines, line)
    end
    k = k + 1
  end
end

function request()
  position = position + 1
  local line = lines[position]
  if line == nil then
    wrk.thread:stop()
    line = lines[#lines]
  end
  local path, input, signature = line:match("([^\t]*)\t?([^\t]*)\t?([^\t]*)")
  local headers = {}
  if input ~= "" then
    headers["Signature-Input"] = input
    headers["Signature"] = signature
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, s.status,
    s.connect + s.read + s.write + s.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
