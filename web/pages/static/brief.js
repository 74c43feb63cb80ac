// 每月一题: the page is rendered by the server; this only prints it.
document.getElementById("brief-print").addEventListener("click", () => window.print());
