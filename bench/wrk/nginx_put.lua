-- nginx's WebDAV PUT of the same bytes, one file per thread, with the same
-- Authorization header (nginx ignores it):
-- wrk ... -s bench/wrk/nginx_put.lua URL -- TOKENS FILE
dofile("bench/wrk/threads.lua")
function init(args)
	local body = io.open(args[2], "rb"):read("*a")
	local token = io.open(args[1]):read("*l")
	request_bytes = wrk.format("PUT", "/upload" .. id .. ".bin",
		{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/octet-stream"}, body)
end
function request()
	return request_bytes
end
