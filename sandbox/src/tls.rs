//! `--tls`: a self-signed certificate made at start, so clients that insist on https (most
//! vendor SDKs) can be pointed at the simulators.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A generated certificate: the rustls config to serve it and where the PEM to trust was written.
pub struct SelfSigned {
    pub server_config: ServerConfig,
    pub certificate_path: PathBuf,
}

/// Generates a small CA and a server certificate it signs for `localhost`, `127.0.0.1` and
/// `::1`, and writes the CA's PEM to `dir`. Clients trust the CA: OpenSSL-based clients (curl,
/// Python) refuse a self-signed leaf as its own trust root.
pub fn self_signed(dir: &Path) -> anyhow::Result<SelfSigned> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())
        .context("preparing the sandbox CA certificate")?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Ferry sandbox local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)
        .context("generating the sandbox CA certificate")?;

    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let mut leaf_params =
        CertificateParams::new(names).context("preparing the sandbox server certificate")?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "Ferry sandbox");
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().context("generating the server key")?;
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca)
        .context("signing the sandbox server certificate")?;

    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let certificate_path = dir.join("ferry-sandbox-cert.pem");
    std::fs::write(&certificate_path, ca.pem())
        .with_context(|| format!("writing {}", certificate_path.display()))?;
    let chain = vec![
        CertificateDer::from(leaf.der().to_vec()),
        CertificateDer::from(ca.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    // An explicit provider: with both ring and aws-lc-rs in the dependency graph, rustls cannot
    // pick a process default by itself.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server_config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("choosing TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("loading the self-signed certificate")?;
    Ok(SelfSigned {
        server_config,
        certificate_path,
    })
}
