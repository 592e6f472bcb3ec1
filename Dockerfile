# The ost-extract command alone in an empty image: a static binary (glibc linked in, jemalloc
# as its allocator), no shell, no libraries. scripts/build-image compiles it and builds this
# with the binary as the whole build context:
#
#   scripts/build-image                 # image "ost-extract" (podman, or docker if no podman)
#   podman run --rm -v /srv/caches:/in:ro -v /srv/converted:/out ost-extract \
#       convert /in -o /out --mail mbox
FROM scratch
COPY ost-extract /ost-extract
ENTRYPOINT ["/ost-extract"]
