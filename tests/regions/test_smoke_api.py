def test_worker_sees_own_grid_and_path(client_of):
    response = client_of("worker_a").get("/api/regions/433124110226001")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["code"] for r in body["path"]] == ["4331", "433124", "433124110", "433124110226"]
    assert client_of("worker_a").get("/api/regions/433124110226002").status_code == 404
