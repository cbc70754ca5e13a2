//! The home page: the current tenant's integration tiles.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use ferry_domain::dashboard::overview;
use ferry_domain::integrations;

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::views::TileView;
use crate::routes::{Access, route_table};
use crate::session::WebSession;
use crate::state::AppState;

route_table! {
    Get "/" => home [Access::Session];
}

#[derive(Template, WebTemplate)]
#[template(path = "home/index.html")]
struct HomePage {
    layout: Layout,
    tiles: Vec<TileView>,
    has_tenant: bool,
}

async fn home(session: WebSession, state: web::Data<AppState>) -> Result<HomePage, PageError> {
    let mut tiles = Vec::new();
    if let Some(access) = &session.access {
        for tile in integrations::integration_tiles(&state.db, &access.tenant).await? {
            let status = overview::tile_status(&state.db, &access.tenant, tile.id).await?;
            tiles.push(TileView::from(&tile).with_status(status));
        }
    }
    Ok(HomePage {
        layout: session.layout("Home", Nav::Home),
        has_tenant: session.access.is_some(),
        tiles,
    })
}
