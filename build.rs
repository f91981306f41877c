//! Generates the gRPC bindings from the project's own protocol files in
//! `proto/`, using protox so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");

    let fds = protox::compile(
        [
            "tfplugin6.proto",
            "grpc_controller.proto",
            "grpc_stdio.proto",
        ],
        ["proto"],
    )?;

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // The library's tonic has no `channel`/`transport` feature, so the
        // clients are emitted without the `connect()` helper; callers wrap
        // their own channel with `XClient::new(channel)`.
        .build_transport(false)
        .generate_default_stubs(true)
        .emit_rerun_if_changed(false)
        .compile_fds(fds)?;

    Ok(())
}
