//! A stand-in for a Ferry listener: records every outbound message and answers from a script.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};

pub const ACK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"#;

/// How the listener answers one delivery.
#[derive(Debug, Clone)]
pub enum Reply {
    Ack,
    /// 200 with `<Ack>false</Ack>`.
    Nack,
    /// This status with a plain body.
    Status(u16),
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Reply>,
    received: Vec<String>,
}

pub struct Listener {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    handle: actix_web::dev::ServerHandle,
}

impl Listener {
    /// Starts a listener that answers `script` in order, then acknowledges everything.
    pub async fn start(script: Vec<Reply>) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            script: script.into(),
            received: Vec::new(),
        }));
        let data = web::Data::new(shared.clone());
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(tcp)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/listener"),
            shared,
            handle,
        }
    }

    /// Bodies received so far, oldest first.
    pub fn received(&self) -> Vec<String> {
        self.shared.lock().unwrap().received.clone()
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

async fn receive(data: web::Data<Arc<Mutex<Shared>>>, body: String) -> HttpResponse {
    let reply = {
        let mut shared = data.lock().unwrap();
        shared.received.push(body);
        shared.script.pop_front().unwrap_or(Reply::Ack)
    };
    match reply {
        Reply::Ack => HttpResponse::Ok().content_type("text/xml").body(ACK),
        Reply::Nack => HttpResponse::Ok()
            .content_type("text/xml")
            .body(ACK.replace("<Ack>true</Ack>", "<Ack>false</Ack>")),
        Reply::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .body("listener error")
        }
    }
}
