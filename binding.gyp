{
  "targets": [
    {
      "target_name": "raw_socket",
      "sources": ["src/native/raw_socket.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
