//! Generated gRPC bindings for the Terraform plugin protocol and go-plugin's control services.

/// Terraform plugin protocol 6.10 (`tfplugin6` package).
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    unreachable_pub,
    unused_qualifications,
    rustdoc::all
)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's `GRPCController` and `GRPCStdio` services (`plugin` package).
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    unreachable_pub,
    unused_qualifications,
    rustdoc::all
)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
