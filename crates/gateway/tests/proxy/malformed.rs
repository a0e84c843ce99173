//! A client's malformed request body (bad chunked framing) is the client's fault: answered
//! `400 malformed_body`, never counted against the upstream's circuit breaker, so a client
//! cannot open the circuit for everybody else.
use std::sync::atomic::Ordering;

use crate::front::{connect, read_answer};
use crate::harness::{fake_upstream, gateway};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn malformed_chunked_bodies_get_400_and_leave_the_breaker_closed() {
    let up = fake_upstream("m").await;
    let gw = gateway(vec![up.url()], |c| {
        c.gateway.breaker_failures = 2;
        c.gateway.breaker_open_secs = 60;
    })
    .await;
    for _ in 0..5 {
        let mut stream = connect(&gw.base).await;
        stream
            .write_all(
                b"POST /api/v1/things HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\n\
                  Transfer-Encoding: chunked\r\n\r\nzz\r\n",
            )
            .await
            .unwrap();
        let answer = read_answer(&mut stream, &mut Vec::new(), false).await;
        assert_eq!(answer.status, 400, "{}", answer.text());
        let body: serde_json::Value = serde_json::from_str(&answer.text()).unwrap();
        assert_eq!(body["code"], "malformed_body", "{body}");
    }
    let (status, health) = crate::body(gw.get("/health/ready").await).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["upstreams"]["alpha"]["instances"][0]["circuit"], "closed", "{health}");
    // A good request still goes through.
    let r = gw.client.post(gw.url("/api/v1/things")).body("fine").send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (201, "fine".to_owned()));
    assert_eq!(up.seen.posts.load(Ordering::SeqCst), 1, "only the good body reached the service");
}
