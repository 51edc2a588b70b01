# tests/free-port.sh: sourced by the shell tests that start several servers (multinode,
# replica). free_port sets PORT to a free loopback port, never one this run was given before:
# a port closed here stays free until its server binds it, and the kernel may offer it again
# meanwhile. Called as `free_port`, not in a $(...) subshell, so that the ports given are
# remembered.
GIVEN_PORTS=" "
free_port() {
  while :; do
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    case "$GIVEN_PORTS" in *" $PORT "*) continue ;; esac
    GIVEN_PORTS="$GIVEN_PORTS$PORT "
    return
  done
}
