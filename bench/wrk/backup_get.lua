-- GET /v1/backup, each request with a session chosen at random:
-- wrk ... -s bench/wrk/backup_get.lua URL -- TOKENS (one session token a line)
dofile("bench/wrk/threads.lua")
function init(args)
	tokens = {}
	for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
	math.randomseed(id * 7919)
end
function request()
	return wrk.format("GET", "/v1/backup", {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]})
end
