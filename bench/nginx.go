package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// nginxPageSize is the size of the static page the nginx workload serves.
const nginxPageSize = 4096

// nginxSetup writes an nginx configuration for the nginx workload into dir:
// one process (daemon off, master_process off), logs, pid and temp files
// inside dir, and one server on 127.0.0.1:port serving dir/www/index.html
// with sendfile and keep-alive. It returns nginx's arguments.
func nginxSetup(dir string, port int) ([]string, error) {
	return nginxSetupListen(dir, fmt.Sprintf("127.0.0.1:%d", port))
}

// nginxSandboxSetup is nginxSetup for the sandbox: nginx listens on port
// on every address of the app's own network (the published port reaches
// it on 10.0.2.15).
func nginxSandboxSetup(dir string, port int) ([]string, error) {
	return nginxSetupListen(dir, fmt.Sprint(port))
}

// nginxSetupListen writes the nginx workload's site with nginx's listen
// directive argument listen.
func nginxSetupListen(dir, listen string) ([]string, error) {
	www := filepath.Join(dir, "www")
	for _, d := range []string{www, filepath.Join(dir, "temp"), filepath.Join(dir, "logs")} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	page := bytes.Repeat([]byte("elfloader nginx benchmark page\n"), nginxPageSize/31+1)[:nginxPageSize]
	if err := os.WriteFile(filepath.Join(www, "index.html"), page, 0o644); err != nil {
		return nil, fmt.Errorf("write page: %w", err)
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
error_log %[1]s/logs/error.log warn;
pid %[1]s/logs/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %[1]s/temp/body;
	proxy_temp_path %[1]s/temp/proxy;
	fastcgi_temp_path %[1]s/temp/fastcgi;
	uwsgi_temp_path %[1]s/temp/uwsgi;
	scgi_temp_path %[1]s/temp/scgi;
	types { text/html html; }
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	server {
		listen %[2]s;
		root %[1]s/www;
	}
}
`, dir, listen)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("write nginx.conf: %w", err)
	}
	return []string{"-c", confPath, "-p", dir + "/", "-e", filepath.Join(dir, "logs", "error.log")}, nil
}
