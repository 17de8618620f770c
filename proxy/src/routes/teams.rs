//! `GET /api/v1/teams`: configured teams with issue counts by category.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use director_core::api::{TeamInfo, TeamsResponse};
use director_core::model::{BoardId, Team, TeamId};

use crate::error::ApiError;
use crate::jira::jql;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/teams", get(list))
}

async fn list(State(state): State<AppState>) -> Result<Json<TeamsResponse>, ApiError> {
    super::freshen(&state, false).await;
    let store = state.store.clone();
    let config = state.config.clone();
    let teams = tokio::task::spawn_blocking(move || -> Result<Vec<TeamInfo>, ApiError> {
        let counts = store.team_counts()?;
        let mut res = Vec::new();
        for team in &config.teams {
            let count =
                counts.iter().find(|count| count.team == team.name).cloned().unwrap_or_default();
            let board = match team.board {
                Some(board) => Some(board),
                None => store.meta(&format!("board:{}", team.name))?.and_then(|id| id.parse().ok()),
            };
            res.push(TeamInfo {
                team: Team {
                    id: TeamId(team.name.clone()),
                    projects: jql::simple_projects(&team.jql).unwrap_or_default(),
                    board: board.map(BoardId),
                    size: team.size,
                },
                issues: count.issues,
                to_do: count.to_do,
                in_progress: count.in_progress,
                done: count.done,
            });
        }
        Ok(res)
    })
    .await
    .map_err(|err| ApiError::Internal(err.to_string()))??;
    let jira_url = Some(state.config.jira.url.trim().trim_end_matches('/').to_owned());
    Ok(Json(TeamsResponse { teams, data_as_of: state.sync.data_as_of(), jira_url }))
}
