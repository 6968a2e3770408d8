"""berth_proto: C++ (and optionally gRPC) code for one .proto with the system protoc.

Bazel's native proto_library wants the protobuf source tree, which the offline
build does not have; a genrule over Debian's protoc and grpc_cpp_plugin does
the same job. Paths are relative to //proto, which is the import root.
"""

def berth_proto(name, src, deps = [], grpc = False, lite = False):
    """lite: an optimize_for = LITE_RUNTIME file; the library then names no
    protobuf library and each binary links the one it wants (protobuf, or
    protobuf_lite for a static binary)."""
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    cmd = "protoc -Iproto -I/usr/include --cpp_out=$(RULEDIR)"
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
        cmd += " --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin --grpc_out=$(RULEDIR)"
    native.genrule(
        name = name + "_gen",
        srcs = [src] + [d + "_src" for d in deps],
        outs = outs,
        cmd = cmd + " $(location " + src + ")",
    )
    native.filegroup(
        name = name + "_src",
        srcs = [src],
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."],
        deps = deps + (["//bazel:grpc"] if grpc else [] if lite else ["//bazel:protobuf"]),
        # Generated code is not ours to keep warning-free.
        copts = ["-w"],
        # A service API is registered in the descriptor pool by its static
        # initialiser: berthd's proxy looks methods up there without naming
        # them in code, so the object must be linked even when unreferenced.
        alwayslink = grpc,
        visibility = ["//visibility:public"],
    )
