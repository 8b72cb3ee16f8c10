<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>@default</name>
    <message>
        <source>Survey map (lab results → severity map)…</source>
        <translation>毒情分布图（化验结果 → 严重程度分级图）…</translation>
    </message>
    <message>
        <source>Run the quarterly survey: import the lab table, join to townships, classify and map</source>
        <translation>运行季度监测：导入化验结果表，关联到乡镇，分级并制图</translation>
    </message>
    <message>
        <source>Quarterly survey…</source>
        <translation>季度水样监测……</translation>
    </message>
    <message>
        <source>Quarterly survey: lab results → severity layers in a group named after the round, and a printable report</source>
        <translation>季度水样监测：化验结果 → 以轮次命名的图层组中的严重程度图层，以及可打印的报告</translation>
    </message>
    <message>
        <source>The township layer “{layer}” could not be read: {error}</source>
        <translation>无法读取乡镇图层“{layer}”：{error}</translation>
    </message>
    <message>
        <source>Quarterly survey</source>
        <translation>季度水样监测</translation>
    </message>
    <message>
        <source>Imports the lab results, joins them to the townships, classifies the townships into severe, fairly severe and general, and writes the map layers and a printable report.</source>
        <translation>导入化验结果，按乡镇汇总，将各乡镇分为严重、较严重和一般三级，并生成地图图层和可打印的报告。</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Lab tables (*.csv *.txt *.xlsx *.xls *.ods);;All files (*.*)</source>
        <translation>化验结果表 (*.csv *.txt *.xlsx *.xls *.ods);;所有文件 (*.*)</translation>
    </message>
    <message>
        <source>Lab results table</source>
        <translation>化验结果表</translation>
    </message>
    <message>
        <source>Townships</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Township name field</source>
        <translation>乡镇名称字段</translation>
    </message>
    <message>
        <source>Selected townships only</source>
        <translation>仅所选乡镇</translation>
    </message>
    <message>
        <source>Survey only the townships selected in the layer, as the toolbox's “Selected features only” does.</source>
        <translation>只对图层中选中的乡镇进行监测分析，与工具箱的“仅所选要素”相同。</translation>
    </message>
    <message>
        <source>Compounds</source>
        <translation>目标物</translation>
    </message>
    <message>
        <source>empty: the latest round, e.g. 2024Q3</source>
        <translation>留空则取最新一轮，例如 2024Q3</translation>
    </message>
    <message>
        <source>Round</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Classification</source>
        <translation>分级</translation>
    </message>
    <message>
        <source>Classification method</source>
        <translation>分级方法</translation>
    </message>
    <message>
        <source>General ≤</source>
        <translation>一般 ≤</translation>
    </message>
    <message>
        <source>Fairly severe ≤</source>
        <translation>较严重 ≤</translation>
    </message>
    <message>
        <source>Fixed thresholds</source>
        <translation>固定阈值</translation>
    </message>
    <message>
        <source>Zero</source>
        <translation>零</translation>
    </message>
    <message>
        <source>Half the detection limit (LOD/2)</source>
        <translation>检出限的一半（LOD/2）</translation>
    </message>
    <message>
        <source>LOD/√2</source>
        <translation>LOD/√2</translation>
    </message>
    <message>
        <source>The detection limit (LOD)</source>
        <translation>检出限（LOD）</translation>
    </message>
    <message>
        <source>Excluded</source>
        <translation>不计入</translation>
    </message>
    <message>
        <source>Non-detects count as</source>
        <translation>未检出样品计为</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>empty: “Wastewater drug survey &lt;round&gt;: &lt;compound&gt;”</source>
        <translation>留空则为“污水毒情监测 &lt;轮次&gt;：&lt;目标物&gt;”</translation>
    </message>
    <message>
        <source>Report title</source>
        <translation>报告标题</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Choose the lab results table.</source>
        <translation>请选择化验结果表。</translation>
    </message>
    <message>
        <source>The lab results table “{path}” does not exist.</source>
        <translation>化验结果表“{path}”不存在。</translation>
    </message>
    <message>
        <source>Add the township boundaries to the project and choose them under “Townships”.</source>
        <translation>请先将乡镇边界图层加入工程，再在“乡镇”中选择。</translation>
    </message>
    <message>
        <source>Choose the field that holds the township names.</source>
        <translation>请选择存放乡镇名称的字段。</translation>
    </message>
    <message>
        <source>Tick at least one compound.</source>
        <translation>请至少勾选一种目标物。</translation>
    </message>
    <message>
        <source>The upper bound for “general” must be below the one for “fairly severe”.</source>
        <translation>“一般”的上限必须小于“较严重”的上限。</translation>
    </message>
    <message>
        <source>“Selected townships only” is ticked, but no township of “{layer}” is selected.</source>
        <translation>已勾选“仅所选乡镇”，但图层“{layer}”中没有选中任何乡镇。</translation>
    </message>
    <message>
        <source>Running… QGIS stays usable; the results appear when the survey is done.</source>
        <translation>正在运行……期间可继续使用 QGIS，完成后结果会自动加载。</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消……</translation>
    </message>
    <message>
        <source>The survey was cancelled; nothing was added to the project.</source>
        <translation>已取消，工程中未添加任何内容。</translation>
    </message>
    <message>
        <source>The survey could not be run: {error}</source>
        <translation>无法完成监测分析：{error}</translation>
    </message>
    <message>
        <source>unknown cause</source>
        <translation>原因不明</translation>
    </message>
    <message>
        <source>Writing the report for {compound}…</source>
        <translation>正在生成 {compound} 的报告……</translation>
    </message>
    <message>
        <source>The layers were made, but the report could not be written: {error}</source>
        <translation>图层已生成，但报告未能写出：{error}</translation>
    </message>
    <message>
        <source>Done: round {round}. The layers are in the group “{round}”.</source>
        <translation>完成：第 {round} 轮。图层已放入“{round}”图层组。</translation>
    </message>
    <message>
        <source>Report: {path}</source>
        <translation>报告：{path}</translation>
    </message>
    <message>
        <source>Survey</source>
        <translation>监测调查</translation>
    </message>
    <message>
        <source>Severity: {compound} {round}</source>
        <translation>严重程度：{compound} {round}</translation>
    </message>
    <message>
        <source>Trend: {compound}</source>
        <translation>趋势：{compound}</translation>
    </message>
    <message>
        <source>Samples in no township</source>
        <translation>不在任何乡镇内的样品</translation>
    </message>
    <message>
        <source>Rejected rows</source>
        <translation>被拒绝的行</translation>
    </message>
    <message>
        <source>Unexpected error: {error}</source>
        <translation>意外错误：{error}</translation>
    </message>
    <message>
        <source>The files of an earlier run of {round} are kept; this run is saved as “{name}_…”.</source>
        <translation>{round} 轮此前运行的文件已保留；本次结果另存为“{name}_…”。</translation>
    </message>
    <message>
        <source>Wastewater drug survey {round}: {compound}</source>
        <translation>污水毒情监测 {round}：{compound}</translation>
    </message>
    <message>
        <source>&amp;Wastewater drug surveillance</source>
        <translation>污水毒情监测(&amp;W)</translation>
    </message>
    <message>
        <source>Township statistics</source>
        <translation>乡镇统计</translation>
    </message>
    <message>
        <source>Could not write a feature to “{output}”. {error}</source>
        <translation>无法向“{output}”写入要素。{error}</translation>
    </message>
    <message>
        <source>Township “{name}” has no sample in round {round}: its statistics are NULL.</source>
        <translation>乡镇“{name}”在轮次 {round} 没有样品：其统计值为空。</translation>
    </message>
    <message>
        <source>… and {n} more township × round cells with no sample (NULL statistics, n_samples = 0).</source>
        <translation>……另有 {n} 个乡镇×轮次没有样品（统计值为空，n_samples = 0）。</translation>
    </message>
    <message>
        <source>“{first}” and “{other}”: {n}</source>
        <translation>“{first}”与“{other}”：{n}</translation>
    </message>
    <message>
        <source>Townships overlap: {n} samples lie in more than one township ({pairs}). Each such sample counts once, for the township listed first in the township layer (the first named in each pair); the other gets none of them. Correct the township boundaries so that they do not overlap.</source>
        <translation>乡镇相互重叠：{n} 个样品落在不止一个乡镇内（{pairs}）。每个这样的样品只计一次，计入乡镇图层中排在前面的乡镇（每对中先列出的那个），另一个乡镇不计这些样品。请修正乡镇边界，使其互不重叠。</translation>
    </message>
    <message>
        <source>Give the population either as POPULATION_FIELD of the samples or as a SITES table, not both.</source>
        <translation>服务人口请二选一：样品的 POPULATION_FIELD 字段，或 SITES 点位表，不能同时给出。</translation>
    </message>
    <message>
        <source>The samples “{layer}” have no field “site_id”: they cannot be joined to the sites table “{sites}”.</source>
        <translation>样品“{layer}”没有“site_id”字段，无法与点位表“{sites}”关联。</translation>
    </message>
    <message>
        <source>The sites table “{sites}” has no field “{field}” ({parameter}). Fields: {fields}.</source>
        <translation>点位表“{sites}”没有字段“{field}”（{parameter}）。现有字段：{fields}。</translation>
    </message>
    <message>
        <source>Population served: “{field}” of the sites table “{sites}”, joined by site id (“{id_field}”).</source>
        <translation>服务人口：点位表“{sites}”的“{field}”字段，按点位编号（“{id_field}”）关联。</translation>
    </message>
    <message>
        <source>The sites table “{sites}” lists these sites more than once with different populations: {values}.</source>
        <translation>点位表“{sites}”中以下点位出现多次且服务人口不同：{values}。</translation>
    </message>
    <message>
        <source>{n} sites of the samples are not in the sites table “{sites}”: {values}. Their samples are left out of mean_weighted.</source>
        <translation>样品中有 {n} 个点位不在点位表“{sites}”中：{values}。这些点位的样品不计入 mean_weighted。</translation>
    </message>
    <message>
        <source>Sites table with the population served (for population-weighted means)</source>
        <translation>含服务人口的点位表（用于人口加权均值）</translation>
    </message>
    <message>
        <source>A table or layer with one row per sampling site: its site id and the population its catchment serves. The samples are joined to it by site_id; mean_weighted is then Σ population × value ÷ Σ population. Use it or POPULATION_FIELD, not both.</source>
        <translation>每个采样点位一行的表或图层：点位编号及其汇水范围的服务人口。样品按 site_id 与之关联；mean_weighted 即 Σ 人口 × 数值 ÷ Σ 人口。与 POPULATION_FIELD 二选一，不能同时使用。</translation>
    </message>
    <message>
        <source>Site id field of the sites table (empty: site_id)</source>
        <translation>点位表的点位编号字段（留空：site_id）</translation>
    </message>
    <message>
        <source>Population field of the sites table (empty: population)</source>
        <translation>点位表的服务人口字段（留空：population）</translation>
    </message>
    <message>
        <source>Aggregate samples by township</source>
        <translation>按乡镇汇总样品</translation>
    </message>
    <message>
        <source>Joins sample points (as written by “Import lab results”) to township polygons and computes, for one compound, n_samples, n_detected, mean, median and max per township and round.

Every township appears once for every round in the samples; a township with no sample in a round gets n_samples = 0 and NULL statistics, so it shows as “no data” rather than as a low value. The output keeps the township layer's fields and adds round, compound and the statistics after them (a GeoPackage fid is carried as township_fid, since each township repeats once per round).

Non-detects enter the statistics through one substitution policy (default LOD/2); n_samples counts every sample, and n_detected the detected ones. Water and solids are never mixed: the sample type parameter chooses which samples count, and the others are counted in the log. By default only untreated wastewater (sewage and influent) counts: effluent is treated water and rivers are the environment, and neither is averaged into a sewage mean.

One unit per analysis: samples of the compound in several units (ng/L with mg/day/1000 or ng/g) are refused, naming the units; the output's unit field says which unit mean, median and max are in. Rounds are placed in time (a year 2022, a quarter 2022Q3 or a month 2022-07, in any spelling the import accepts) and written in time order; years mixed with quarters are refused.

A samples table loaded by a laboratory system needs only round, compound and concentration (and site_id for the panel check): without detected every value present counts as detected, without lod non-detects have no limit, without unit the values are in UNIT (default ng/L), without medium every sample counts as the chosen type. The log says which defaults applied.

Changing sites: where the set of sites behind a township changes between rounds the log warns, since the township's change then mixes a change of sites with a change of values; FIXED_PANEL keeps only the sites sampled in every round. POPULATION_FIELD (the population served by each sample) adds mean_weighted, the population-weighted mean, and the log gives the county figure both ways; instead of a samples field, SITES gives the population per site in a table of its own (SITES_ID_FIELD, default site_id; SITES_POPULATION_FIELD, default population), joined to the samples by site_id.

TOWNSHIP_FIELD left empty: the first text field that looks like a township name (name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town…), named in the log.

A point exactly on the boundary between two townships is counted in one of them, never in both. Where townships overlap, a sample in the overlap counts once, for the township listed first in the township layer, and the log warns, naming the townships and how many samples lie in more than one. Points in no township go to UNMATCHED and are counted in the log. Samples are reprojected to the townships' CRS when the two differ.

A sewage sample stands for its upstream catchment, not only for the spot where it was taken.</source>
        <translation>将样品点（“导入化验结果”的输出）关联到乡镇面，针对一种物质，按乡镇和轮次计算 n_samples（样品数）、n_detected（检出数）、mean（均值）、median（中位数）和 max（最大值）。

每个乡镇在样品涉及的每一轮次中各出现一次；某轮次没有样品的乡镇 n_samples = 0、统计值为空（NULL），在图上显示为“无数据”，而不是低值。输出保留乡镇图层的字段，并在其后添加 round、compound 和各统计字段（由于每个乡镇在每一轮次各出现一次，GeoPackage 的 fid 以 township_fid 字段保留）。

未检出样品按统一的替代规则计入统计（默认 LOD/2）；n_samples 计全部样品，n_detected 计检出的样品。水样与固体样品绝不混合统计：由“样品类型”参数决定计入哪些样品，其余样品的数量写入日志。默认只计未处理污水（污水和进水）：出水是已处理水，河流属于环境水体，二者都不会被平均进污水均值。

一次分析只用一种单位：该化合物的样品若有多种单位（ng/L 与 mg/天/千人或 ng/g 混用）会被拒绝，并列出这些单位；输出的 unit 字段说明 mean、median 和 max 的单位。轮次按时间排列（年份 2022、季度 2022Q3 或月份 2022-07，导入所接受的各种写法均可），并按时间顺序写出；年份与季度混用会被拒绝。

实验室系统载入的样品表只需要 round、compound 和 concentration（点位变化检查还需要 site_id）：没有 detected 时凡有数值均按检出计，没有 lod 时未检出值没有检出限，没有 unit 时数值按 UNIT（默认 ng/L）理解，没有 medium 时所有样品按所选类型计。日志说明用了哪些默认值。

点位变化：某乡镇背后的点位在轮次之间发生变化时日志会提醒，因为此时乡镇的变化混合了点位的变化与数值的变化；FIXED_PANEL 只保留每个轮次都采过样的点位。POPULATION_FIELD（每个样品的服务人口）增加 mean_weighted，即人口加权均值，日志同时给出全县的两种数字；也可以不用样品字段，而由 SITES 以单独的点位表给出每个点位的服务人口（SITES_ID_FIELD，默认 site_id；SITES_POPULATION_FIELD，默认 population），按 site_id 与样品关联。

TOWNSHIP_FIELD 留空时：使用第一个看起来像乡镇名称的文本字段（name、乡镇、乡镇名称、镇名、XZMC、XZQMC、township、town 等），并在日志中写明。

恰好落在两个乡镇边界上的点只计入其中一个，不会重复计数。乡镇相互重叠时，落在重叠区内的样品只计一次，计入乡镇图层中排在前面的乡镇，日志会发出警告，列出相关乡镇以及落在多个乡镇内的样品数。不在任何乡镇内的点输出到 UNMATCHED，并在日志中计数。样品与乡镇坐标系不同时，样品会被重投影到乡镇的坐标系。

污水样品代表其上游汇水范围，而不仅是采样点本身。</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样品</translation>
    </message>
    <message>
        <source>The field of the township layer that holds the township names. Empty: the first text field that looks like a name (name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town), as the log says.</source>
        <translation>乡镇图层中保存乡镇名称的字段。留空：使用第一个看起来像名称的文本字段（name、乡镇、乡镇名称、镇名、XZMC、XZQMC、township、town），并在日志中写明。</translation>
    </message>
    <message>
        <source>Compound (name or abbreviation, in Chinese or English)</source>
        <translation>物质（中文或英文名称、缩写均可）</translation>
    </message>
    <message>
        <source>Round (empty: every round)</source>
        <translation>轮次（留空：全部轮次）</translation>
    </message>
    <message>
        <source>Fixed panel: only sites sampled in every round</source>
        <translation>固定点位：只用每个轮次都采过样的点位</translation>
    </message>
    <message>
        <source>A township's mean over a changing set of sites can rise or fall only because sites came or went. With this option only the sites (site_id) sampled in every round count; the log names the sites left out.</source>
        <translation>乡镇均值若来自一组不断变化的点位，可能仅因点位增减而升降。选中此项时只计每个轮次都采过样的点位（site_id）；日志列出被剔除的点位。</translation>
    </message>
    <message>
        <source>Population served field of the samples (for population-weighted means)</source>
        <translation>样品的服务人口字段（用于人口加权均值）</translation>
    </message>
    <message>
        <source>With a population served per sample (its catchment), mean_weighted holds Σ population × value ÷ Σ population per township and round, and the log gives the county figure both ways: a large plant and a village drain count alike in the plain mean.</source>
        <translation>给出每个样品的服务人口（其汇水范围）后，mean_weighted 为每个乡镇每个轮次的 Σ 人口 × 数值 ÷ Σ 人口，日志同时给出全县的两种数字：在简单均值中，大型污水厂与村庄排水沟的权重相同。</translation>
    </message>
    <message>
        <source>Samples used</source>
        <translation>使用的样品数</translation>
    </message>
    <message>
        <source>{n} non-detects have no detection limit and count as 0.</source>
        <translation>{n} 个未检出样品没有检出限，按 0 计。</translation>
    </message>
    <message>
        <source>{used} of {total} samples used ({compound}); {townships} townships × {rounds} rounds written.</source>
        <translation>共 {total} 个样品，使用 {used} 个（{compound}）；已写出 {townships} 个乡镇 × {rounds} 个轮次。</translation>
    </message>
    <message>
        <source>The samples layer “{layer}” has no field “{field}”.</source>
        <translation>样品图层“{layer}”没有字段“{field}”。</translation>
    </message>
    <message>
        <source>Joining samples to townships in the database…</source>
        <translation>正在数据库中将样品关联到乡镇…</translation>
    </message>
    <message>
        <source>Both layers are tables of one PostGIS database: the join ran there (ST_Intersects with the spatial index).</source>
        <translation>两个图层都是同一 PostGIS 数据库中的表：关联已在数据库中完成（使用空间索引的 ST_Intersects）。</translation>
    </message>
    <message>
        <source>{n} samples lie in no township; they are in the “Samples in no township” output.</source>
        <translation>{n} 个样品不在任何乡镇内，已输出到“不在任何乡镇内的样品”。</translation>
    </message>
    <message>
        <source>Writing the township statistics to “{path}” in one go failed ({error}); writing them feature by feature instead.</source>
        <translation>一次性写入乡镇统计结果到“{path}”失败（{error}），改为逐个要素写入。</translation>
    </message>
    <message>
        <source>Reading samples…</source>
        <translation>正在读取样品…</translation>
    </message>
    <message>
        <source>{n} samples have no sample type: they are counted as the chosen type.</source>
        <translation>{n} 个样品没有样品类型：按所选类型计。</translation>
    </message>
    <message>
        <source>No sample of “{compound}” is of the chosen sample type.</source>
        <translation>没有所选样品类型的“{compound}”样品。</translation>
    </message>
    <message>
        <source>No sample of “{compound}” in round “{round}”. Rounds present: {present}.</source>
        <translation>轮次“{round}”中没有“{compound}”的样品。现有轮次：{present}。</translation>
    </message>
    <message>
        <source>{n} samples have no round and are left out.</source>
        <translation>{n} 个样品没有轮次，不参与统计。</translation>
    </message>
    <message>
        <source>Joining samples to townships…</source>
        <translation>正在将样品关联到乡镇…</translation>
    </message>
    <message>
        <source>{n} township polygons were invalid and were repaired before the join.</source>
        <translation>{n} 个乡镇面的几何无效，已在关联前修复。</translation>
    </message>
    <message>
        <source>{n} samples have no population served (or one ≤ 0): they are left out of mean_weighted.</source>
        <translation>{n} 个样品没有服务人口（或人口 ≤ 0）：不计入 mean_weighted。</translation>
    </message>
    <message>
        <source>County, round {round}: mean {plain:.4g}; population-weighted mean {weighted:.4g}.</source>
        <translation>全县，轮次 {round}：均值 {plain:.4g}；人口加权均值 {weighted:.4g}。</translation>
    </message>
    <message>
        <source>The samples have no field “detected”: every value present counts as detected.</source>
        <translation>样品没有“detected”字段：凡有数值的均按检出计。</translation>
    </message>
    <message>
        <source>The samples have no field “lod”: non-detects have no detection limit.</source>
        <translation>样品没有“lod”字段：未检出值没有检出限。</translation>
    </message>
    <message>
        <source>The samples have no field “unit”: every value is taken to be in the UNIT given ({unit}).</source>
        <translation>样品没有“unit”字段：所有数值按参数 UNIT 给出的单位（{unit}）理解。</translation>
    </message>
    <message>
        <source>The samples have no field “medium”: every sample counts as the chosen sample type.</source>
        <translation>样品没有“medium”字段：所有样品按所选样品类型计。</translation>
    </message>
    <message>
        <source>Fixed panel: {n} sites are sampled in every round and count; {m} sites left out: {sites}.</source>
        <translation>固定点位：{n} 个点位每个轮次都有样品并参与统计；剔除 {m} 个点位：{sites}。</translation>
    </message>
    <message>
        <source>The sites behind township “{name}” change in round {round} (added: {added}; dropped: {dropped}): its change between rounds mixes a change of sites with a change of values. Use the fixed panel option to compare the same sites.</source>
        <translation>乡镇“{name}”的点位在轮次 {round} 发生变化（新增：{added}；减少：{dropped}）：其轮次间的变化混合了点位的变化与数值的变化。请用固定点位选项比较同一批点位。</translation>
    </message>
    <message>
        <source>The correction factor table “{path}” lacks the columns {columns}.</source>
        <translation>校正因子表“{path}”缺少以下列：{columns}。</translation>
    </message>
    <message>
        <source>The correction factor table “{path}”, row {row} ({residue}): the excretion must be a fraction in (0, 1] and the molar masses and typical dose positive numbers.</source>
        <translation>校正因子表“{path}”第 {row} 行（{residue}）：排泄率须为 (0, 1] 之间的比例，分子量和典型剂量须为正数。</translation>
    </message>
    <message>
        <source>Cannot read the correction factor table “{path}”: {error}</source>
        <translation>无法读取校正因子表“{path}”：{error}</translation>
    </message>
    <message>
        <source>The per-site table “{layer}” has no field “{field}”.</source>
        <translation>分点位表“{layer}”没有字段“{field}”。</translation>
    </message>
    <message>
        <source>The per-site table lists {n} sites more than once; the last row wins.</source>
        <translation>分点位表中有 {n} 个点位出现多次；以最后一行为准。</translation>
    </message>
    <message>
        <source>{n} values are population-normalised loads (mg/day/1000): the correction factor is applied to them directly, without flow or population.</source>
        <translation>{n} 个数值是人口归一化负荷（mg/天/千人）：直接乘以校正因子，不需要流量和人口。</translation>
    </message>
    <message>
        <source>No detected cotinine with a flow: no population can be estimated from cotinine.</source>
        <translation>没有同时具备流量的可替宁检出值：无法由可替宁估算人口。</translation>
    </message>
    <message>
        <source>{n} samples are grab samples: their sampling uncertainty is RSD_GRAB ({rsd:.0%}, Ort et al. 2010).</source>
        <translation>{n} 个样品为瞬时样：其采样不确定度为 RSD_GRAB（{rsd:.0%}，Ort 等 2010）。</translation>
    </message>
    <message>
        <source>Heroin from total morphine is an upper bound: no medical morphine or codeine is subtracted ({n} samples; estimate_note says so).</source>
        <translation>由总吗啡推算的海洛因是上限值：未扣除医用吗啡和可待因（{n} 个样品；estimate_note 字段有说明）。</translation>
    </message>
    <message>
        <source>{n} samples are effluent or surface water: consumption exists only for untreated wastewater of a known catchment, so their normalised loads and consumption are NULL (null_reason = not_untreated_wastewater).</source>
        <translation>{n} 个样品是出水或地表水：只有已知汇水范围的未处理污水才有消费量，因此它们的归一化负荷和消费量为 NULL（null_reason = not_untreated_wastewater）。</translation>
    </message>
    <message>
        <source>{n} solid samples (soil, sediment, sludge) have no daily flow: their loads are NULL.</source>
        <translation>{n} 个固体样品（土壤、沉积物、污泥）没有日流量：其负荷为 NULL。</translation>
    </message>
    <message>
        <source>{n} water samples have no daily flow (or a flow ≤ 0): their loads are NULL, not 0.</source>
        <translation>{n} 个水样没有日流量（或流量 ≤ 0）：其负荷为 NULL，而不是 0。</translation>
    </message>
    <message>
        <source>{n} water samples with a flow have no population served (or one ≤ 0): their normalised loads and consumption are NULL.</source>
        <translation>{n} 个有流量的水样没有服务人口（或人口 ≤ 0）：其归一化负荷和消费量为 NULL。</translation>
    </message>
    <message>
        <source>No correction factor for: {residues}. Their loads are computed, their consumption is NULL; add them to your own factor table.</source>
        <translation>以下残留物没有校正因子：{residues}。已计算其负荷，消费量为 NULL；请在自备的校正因子表中补充。</translation>
    </message>
    <message>
        <source>{n} amphetamine samples were corrected for the amphetamine from methamphetamine (ratio {ratio}).</source>
        <translation>{n} 个苯丙胺样品已扣除甲基苯丙胺代谢产生的部分（比值 {ratio}）。</translation>
    </message>
    <message>
        <source>Unconfirmed correction factors used for: {residues}.</source>
        <translation>使用了未核实的校正因子：{residues}。</translation>
    </message>
    <message>
        <source>{computed} of {total} samples have a load.</source>
        <translation>{total} 个样品中有 {computed} 个算出了负荷。</translation>
    </message>
    <message>
        <source>upper bound: total morphine, no medical or codeine subtraction</source>
        <translation>上限值：总吗啡，未扣除医用及可待因</translation>
    </message>
    <message>
        <source>Back-calculate loads and consumption</source>
        <translation>反推负荷与消费量</translation>
    </message>
    <message>
        <source>Turns wastewater concentrations (the fields written by “Import lab results”) into mass loads, population-normalised loads, consumption and doses, with a Monte Carlo 95% interval (SCORE/EMCDDA practice).

load_mg_day = C (ng/L) × Q (L/day) × 1e-6; with the flow in 10⁴ m³/day this is C × Q × 10. load_mg_day_1000 = load ÷ (population ÷ 1000). consumption_mg_day_1000 = normalised load × molar-mass ratio (parent ÷ residue) ÷ excretion fraction. doses_day_1000 = consumption ÷ typical dose, where the factor table sets one.

Flow: a field of the samples, or a per-site table (matched on site_id); the unit is declared. Population: census figures (a field, or the per-site table), or estimated from NH4-N (a field in mg/L, ÷ a per-capita NH4-N load) or from the cotinine of the same sample (÷ cotinine per cigarette × cigarettes per person).

Correction factors come from the shipped table (resources/correction_factors.csv: excretion, molar masses, typical dose, source, and whether the value is confirmed); a table of your own with the same columns wins row by row. Amphetamine is corrected for the amphetamine that methamphetamine users excrete: C_AMP − ratio × C_MA of the same sample (site, date and sample type), never below 0 (default ratio 0.09, the median AMP/MA in wastewater).

Uncertainty: every RSD (sampling, analysis, flow, population, excretion; Castiglioni et al. 2013, Jones et al. 2014) is a log-normal factor with median 1; the excretion draw is shared by all samples of a compound. The plain fields are the deterministic estimates; _lo, _med and _hi hold the 2.5%, 50% and 97.5% quantiles of the draws. The same seed gives the same results.

A sample without flow or population gets NULL loads (never 0), and the log counts them; so do solids and residues with no correction factor (named in the log), whose consumption is NULL. Non-detects follow the shared policy.

Units: concentrations are taken in ng/L (µg/L and mg/L are converted); a value in mg/day/1000 (a population-normalised load, as EMCDDA publishes them) is already a load per 1000 inhabitants: the correction factor is applied to it directly (consumption = value × mass ratio ÷ excretion), without flow or population. A unit that is neither is refused by name; a table without a unit field takes UNIT (default ng/L).

Consumption exists only for untreated wastewater (sewage, influent) of a known catchment: effluent (treated water), surface water and solids get NULL normalised loads, consumption and doses, and null_reason says why (also no_flow, no_population, no_correction_factor, no_value). A table without a medium field is taken as untreated wastewater, and the log says so.

Pairing (the amphetamine correction and the cotinine population): two compounds belong to one sample when site, round, date, sample type and unit are equal. A row without a date pairs only with rows of the same round that have no date either: never across rounds.

Method defaults, stated in the output: a grab sample (sewage from open channels and drains by default, or a sampling_mode field saying grab) has a sampling RSD of RSD_GRAB (100%: grab sampling error in sewers can exceed 100%, Ort et al. 2010), a 24-hour composite RSD_SAMPLING (10%); the field sampling says which applied. Heroin from total morphine is an upper bound (no medical morphine or codeine is subtracted): estimate_note says so. Cocaine from benzoylecgonine uses the classic factor 2.33 (molar-mass ratio 1.048 ÷ excretion 0.45; Zuccato et al. 2005) unless your factor table says otherwise.</source>
        <translation>将污水浓度（“导入检测结果”写出的字段）换算为质量负荷、人口归一化负荷、消费量和剂量数，并给出蒙特卡罗 95% 区间（SCORE/EMCDDA 通行做法）。

load_mg_day = C（ng/L）× Q（L/天）× 1e-6；流量以万 m³/天计时即 C × Q × 10。load_mg_day_1000 = 负荷 ÷（人口 ÷ 1000）。consumption_mg_day_1000 = 归一化负荷 × 分子量比（母体药物 ÷ 检测残留物）÷ 排泄率。doses_day_1000 = 消费量 ÷ 典型剂量（校正因子表中设有剂量时）。

流量：取自样品的字段，或按 site_id 匹配的分点位表；单位由参数声明。人口：普查数据（字段或分点位表），或由 NH4-N 估算（mg/L 字段 ÷ 人均 NH4-N 负荷），或由同一样品的可替宁估算（÷ 每支烟可替宁排泄量 × 人均每日吸烟支数）。

校正因子取自随插件提供的表（resources/correction_factors.csv：排泄率、分子量、典型剂量、出处及数值是否已核实）；用户自备的同列表格逐行优先。苯丙胺扣除甲基苯丙胺代谢产生的部分：同一样品（点位、日期、样品类型）的 C_AMP − 比值 × C_MA，不低于 0（默认比值 0.09，即污水中 AMP/MA 的中位数）。

不确定度：采样、分析、流量、人口、排泄率的相对标准偏差（Castiglioni 等 2013；Jones 等 2014）均作为中位数为 1 的对数正态因子；同一化合物的所有样品共用排泄率抽样。不带后缀的字段为确定性估计值；_lo、_med、_hi 为抽样的 2.5%、50%、97.5% 分位数。相同随机种子得到相同结果。

缺少流量或人口的样品负荷为 NULL（绝不记为 0），并在日志中计数；固体样品及没有校正因子的残留物（在日志中列出名称）同样计数，其消费量为 NULL。未检出值按统一的替代规则处理。

单位：浓度按 ng/L 计（µg/L 和 mg/L 会换算）；单位为 mg/天/千人 的数值（EMCDDA 发布的人口归一化负荷）本身已是每千人负荷：直接乘以校正因子（消费量 = 数值 × 分子量比 ÷ 排泄率），不需要流量和人口。其他单位会被拒绝并列出名称；表中没有单位字段时采用 UNIT（默认 ng/L）。

只有已知汇水范围的未处理污水（污水、进水）才有消费量：出水（已处理水）、地表水和固体样品的归一化负荷、消费量和剂量数为 NULL，null_reason 说明原因（还有 no_flow、no_population、no_correction_factor、no_value）。没有 medium 字段的表按未处理污水计，并在日志中说明。

配对（苯丙胺校正和可替宁人口估算）：点位、轮次、日期、样品类型和单位都相同的两种化合物属于同一个样品。没有日期的行只与同一轮次中同样没有日期的行配对：绝不跨轮次配对。

方法默认值（在输出中注明）：瞬时样（默认指排污明渠和沟渠的污水，或 sampling_mode 字段标为瞬时的样品）的采样相对标准偏差为 RSD_GRAB（100%：排水管网中的瞬时采样误差可超过 100%，Ort 等 2010），24 小时混合样为 RSD_SAMPLING（10%）；sampling 字段说明所用的是哪一种。由总吗啡推算的海洛因是上限值（未扣除医用吗啡和可待因）：estimate_note 字段有说明。由苯甲酰爱康宁推算可卡因时使用经典系数 2.33（分子量比 1.048 ÷ 排泄率 0.45；Zuccato 等 2005），除非您的校正因子表另有规定。</translation>
    </message>
    <message>
        <source>Daily flow field</source>
        <translation>日流量字段</translation>
    </message>
    <message>
        <source>Flow unit</source>
        <translation>流量单位</translation>
    </message>
    <message>
        <source>m³/day</source>
        <translation>m³/天</translation>
    </message>
    <message>
        <source>L/day</source>
        <translation>L/天</translation>
    </message>
    <message>
        <source>10⁴ m³/day</source>
        <translation>万 m³/天</translation>
    </message>
    <message>
        <source>Population served field (census)</source>
        <translation>服务人口字段（普查）</translation>
    </message>
    <message>
        <source>Per-site table of flow and population</source>
        <translation>分点位流量与人口表</translation>
    </message>
    <message>
        <source>Site id field in the per-site table</source>
        <translation>分点位表中的点位编号字段</translation>
    </message>
    <message>
        <source>Flow field in the per-site table</source>
        <translation>分点位表中的流量字段</translation>
    </message>
    <message>
        <source>Population field in the per-site table</source>
        <translation>分点位表中的人口字段</translation>
    </message>
    <message>
        <source>Population from</source>
        <translation>人口来源</translation>
    </message>
    <message>
        <source>Census figures (field or per-site table)</source>
        <translation>普查数据（字段或分点位表）</translation>
    </message>
    <message>
        <source>NH4-N marker</source>
        <translation>NH4-N 标志物</translation>
    </message>
    <message>
        <source>Cotinine marker</source>
        <translation>可替宁标志物</translation>
    </message>
    <message>
        <source>NH4-N field (mg/L)</source>
        <translation>NH4-N 字段（mg/L）</translation>
    </message>
    <message>
        <source>NH4-N per person (g/day)</source>
        <translation>人均 NH4-N（g/天）</translation>
    </message>
    <message>
        <source>Typical per-capita NH4-N load (unconfirmed); use your plant's own value (Been et al. 2014).</source>
        <translation>人均 NH4-N 负荷的典型值（未核实）；请使用本污水厂自己的数值（Been 等 2014）。</translation>
    </message>
    <message>
        <source>Cotinine excreted per cigarette (mg)</source>
        <translation>每支烟排泄的可替宁（mg）</translation>
    </message>
    <message>
        <source>About 0.14 mg (WBE science notes).</source>
        <translation>约 0.14 mg（WBE 科学说明）。</translation>
    </message>
    <message>
        <source>Cigarettes per person per day</source>
        <translation>人均每日吸烟支数</translation>
    </message>
    <message>
        <source>About 2.4 trillion cigarettes a year ÷ 1.41 billion people in China (unconfirmed); set your county's figure.</source>
        <translation>中国每年约 2.4 万亿支卷烟 ÷ 14.1 亿人（未核实）；请填写本县的数字。</translation>
    </message>
    <message>
        <source>Your correction factor table (CSV)</source>
        <translation>自备校正因子表（CSV）</translation>
    </message>
    <message>
        <source>Same columns as resources/correction_factors.csv; its rows win over the shipped ones.</source>
        <translation>列与 resources/correction_factors.csv 相同；其中的行优先于随插件提供的行。</translation>
    </message>
    <message>
        <source>Sampling mode</source>
        <translation>采样方式</translation>
    </message>
    <message>
        <source>By sample type: sewage channels and drains are grab samples, plant influent 24-hour composites</source>
        <translation>按样品类型：排污沟渠的污水为瞬时样，污水厂进水为 24 小时混合样</translation>
    </message>
    <message>
        <source>Every sample a 24-hour composite</source>
        <translation>全部为 24 小时混合样</translation>
    </message>
    <message>
        <source>Every sample a grab sample</source>
        <translation>全部为瞬时样</translation>
    </message>
    <message>
        <source>Grab samples take RSD_GRAB as their sampling uncertainty (default 100%: Ort et al. 2010), composites RSD_SAMPLING (default 10%). A field sampling_mode (grab or composite, 瞬时 or 混合) decides for the rows where it has a value.</source>
        <translation>瞬时样的采样不确定度取 RSD_GRAB（默认 100%：Ort 等 2010），混合样取 RSD_SAMPLING（默认 10%）。如有 sampling_mode 字段（grab 或 composite，瞬时或混合），有值的行以该字段为准。</translation>
    </message>
    <message>
        <source>Back-calculated samples</source>
        <translation>反推后的样品</translation>
    </message>
    <message>
        <source>Samples read</source>
        <translation>读取的样品数</translation>
    </message>
    <message>
        <source>Samples with a load</source>
        <translation>有负荷的样品数</translation>
    </message>
    <message>
        <source>Samples without flow</source>
        <translation>无流量的样品数</translation>
    </message>
    <message>
        <source>Samples without population</source>
        <translation>无人口的样品数</translation>
    </message>
    <message>
        <source>Samples without a correction factor</source>
        <translation>无校正因子的样品数</translation>
    </message>
    <message>
        <source>Amphetamine samples corrected for methamphetamine</source>
        <translation>已扣除甲基苯丙胺代谢部分的苯丙胺样品数</translation>
    </message>
    <message>
        <source>Monte Carlo: {draws} draws…</source>
        <translation>蒙特卡罗：{draws} 次抽样…</translation>
    </message>
    <message>
        <source>Population from NH4-N needs the NH4-N field (mg/L) of the layer “{layer}”.</source>
        <translation>由 NH4-N 估算人口需要图层“{layer}”的 NH4-N 字段（mg/L）。</translation>
    </message>
    <message>
        <source>The samples have no field “medium”: every sample is taken as untreated wastewater.</source>
        <translation>样品没有“medium”字段：所有样品按未经处理的污水计。</translation>
    </message>
    <message>
        <source>The threshold “{value}” is not a number.</source>
        <translation>阈值“{value}”不是数字。</translation>
    </message>
    <message>
        <source>The weight “{item}” is not of the form compound=weight.</source>
        <translation>权重“{item}”不是“化合物=权重”的形式。</translation>
    </message>
    <message>
        <source>The weight names the compound “{name}”, which is not in the layer. Compounds present: {present}.</source>
        <translation>权重中的化合物“{name}”不在图层中。现有化合物：{present}。</translation>
    </message>
    <message>
        <source>The weight “{item}” is not a number.</source>
        <translation>权重“{item}”不是数字。</translation>
    </message>
    <message>
        <source>The weight of “{name}” is negative.</source>
        <translation>“{name}”的权重为负数。</translation>
    </message>
    <message>
        <source>The field “{field}” of “{layer}” has only {distinct} distinct value(s): a relative classification cannot separate the townships, so none is given a class. Use fixed thresholds, or choose another field or round.</source>
        <translation>“{layer}”的字段“{field}”只有 {distinct} 个不同的值：相对分级无法区分各乡镇，因此不给任何乡镇分级。请使用固定阈值，或换一个字段或轮次。</translation>
    </message>
    <message>
        <source>The field “{field}” of “{layer}” has no numeric value: nothing to classify.</source>
        <translation>“{layer}”的字段“{field}”没有数值，无法分级。</translation>
    </message>
    <message>
        <source>Fixed thresholds need THRESHOLDS: the upper bounds of classes 1 and 2, for example 50,200.</source>
        <translation>固定阈值需要填写 THRESHOLDS：第 1 级和第 2 级的上限，例如 50,200。</translation>
    </message>
    <message>
        <source>The thresholds must rise: the first ({first}) must be below the second ({second}).</source>
        <translation>阈值必须递增：第一个（{first}）必须小于第二个（{second}）。</translation>
    </message>
    <message>
        <source>The county median of “{field}” in “{layer}” is 0 or missing (for example when most samples are non-detects): a ratio to it is undefined. Use another method or another baseline round.</source>
        <translation>“{layer}”中“{field}”的全县中位数为 0 或缺失（例如大部分样品未检出），无法计算与其之比。请换用其他方法或其他基准轮次。</translation>
    </message>
    <message>
        <source>The baseline round “{round}” is not in “{layer}”.</source>
        <translation>基准轮次“{round}”不在“{layer}”中。</translation>
    </message>
    <message>
        <source>THRESHOLDS must hold two ratios, for example 1,2.</source>
        <translation>THRESHOLDS 必须是两个比值，例如 1,2。</translation>
    </message>
    <message>
        <source>The layer “{layer}” holds values in several units for one compound ({listed}). Values in different units are never classified together: filter the layer to one unit per compound, or convert the values first.</source>
        <translation>图层“{layer}”中同一种物质的数值有多种单位（{listed}）。不同单位的数值绝不放在一起分级：请将图层筛选为每种物质一种单位，或先换算数值。</translation>
    </message>
    <message>
        <source>Rounds not written as a quarter such as 2024Q3: {rounds}. They are kept and sorted as text.</source>
        <translation>以下轮次不是 2024Q3 这样的季度写法：{rounds}。已保留，并按文本排序。</translation>
    </message>
    <message>
        <source>{n} features have no round; they are classified with the same breaks but belong to no round.</source>
        <translation>{n} 个要素没有轮次；它们使用相同的界值分级，但不属于任何轮次。</translation>
    </message>
    <message>
        <source>The layer holds one round ({round}): the breaks are that round's.</source>
        <translation>图层只有一个轮次（{round}）：界值即该轮次的界值。</translation>
    </message>
    <message>
        <source>{n} features have a NULL “{field}”: they get NULL severity, never a class.</source>
        <translation>{n} 个要素的“{field}”为空：其严重程度为空，不分级。</translation>
    </message>
    <message>
        <source>Breaks from a baseline round need a round field; “{layer}” has none (ROUND_FIELD).</source>
        <translation>按基准轮次计算界值需要轮次字段；“{layer}”没有（ROUND_FIELD）。</translation>
    </message>
    <message>
        <source>The baseline round “{round}” is not in “{layer}”. Rounds present: {present}.</source>
        <translation>基准轮次“{round}”不在“{layer}”中。现有轮次：{present}。</translation>
    </message>
    <message>
        <source>fixed thresholds, the same for every round</source>
        <translation>固定阈值，各轮次相同</translation>
    </message>
    <message>
        <source>ratio to each round's own county median</source>
        <translation>与各轮次自身全县中位数之比</translation>
    </message>
    <message>
        <source>ratio to the county median of the baseline round {round}</source>
        <translation>与基准轮次 {round} 全县中位数之比</translation>
    </message>
    <message>
        <source>breaks from all rounds pooled</source>
        <translation>界值基于全部轮次合并的数据</translation>
    </message>
    <message>
        <source>breaks from the baseline round {round}</source>
        <translation>界值基于基准轮次 {round}</translation>
    </message>
    <message>
        <source>Breaks by {method} on “{label}”: general ≤ {b1} &lt; fairly severe ≤ {b2} &lt; severe.</source>
        <translation>按{method}对“{label}”分级的界值：一般 ≤ {b1} &lt; 较严重 ≤ {b2} &lt; 严重。</translation>
    </message>
    <message>
        <source>Townships per class{where}: severe {s}, fairly severe {f}, general {g}, no data {n}.</source>
        <translation>各等级乡镇数{where}：严重 {s}，较严重 {f}，一般 {g}，无数据 {n}。</translation>
    </message>
    <message>
        <source> in round {round}</source>
        <translation>（轮次 {round}）</translation>
    </message>
    <message>
        <source>Classify severity</source>
        <translation>严重程度分级</translation>
    </message>
    <message>
        <source>Adds the fields severity (1 general 一般, 2 fairly severe 较严重, 3 severe 严重) and severity_label (in the interface language) from a numeric field, and stores a red–orange–yellow style with the output, so it opens styled wherever it is opened. The method, breaks, break policy and weights are written into the layer's metadata.

Methods: natural breaks (exact Fisher-Jenks, no sampling up to 1,000,000 values; mapclassify's FisherJenks breaks, or a better split where its single-precision sums fall one rank short), quantiles (terciles), fixed thresholds, equal intervals, head/tail breaks (the mean, then the mean of the values above it), mean and standard deviation (general ≤ mean &lt; fairly severe ≤ mean + 1 SD &lt; severe), and two ratios: the value divided by the county median of its own round, or of a baseline round, cut at THRESHOLDS (default 1 and 2: at or below the median is general, up to twice the median fairly severe, above that severe). For fixed thresholds give THRESHOLDS, the upper bounds of classes 1 and 2 (for example 50,200 in ng/L).

A value ≤ BREAK_1 is general, ≤ BREAK_2 fairly severe, and above it severe. The breaks are returned as BREAK_1 and BREAK_2 and written into the legend.

Frozen breaks: when the layer has a round field (ROUND_FIELD, default “round”), the breaks are computed once, on all rounds pooled or on the baseline round (BREAKS_FROM, BASELINE_ROUND; empty = the earliest round), and applied to every round, so a township changes class only when its values change.

Degenerate data: a NULL value gets NULL severity, never a class, and is counted in the log. Bounds are inclusive, so equal values always share a class; values lying exactly on a break are counted in the log. With only two distinct values a relative method can support only two classes: the lower value is general, the higher fairly severe, and no township is severe. With a single distinct value no relative class is supported and the run stops: use fixed thresholds. A county median of 0 makes the ratio methods stop.

Several compounds: give COMPOUND_FIELD. Each compound gets its own breaks. With COMPOSITE and ID_FIELD (the township), the output has one feature per township and round with a class per compound (sev_&lt;compound&gt;) and a composite severity: the highest of the compound classes, or a class of the weighted index Σ weight × value ÷ the compound's county median (medians from the same rounds as the breaks), classified with the chosen method. WEIGHTS reads like methamphetamine=2, ketamine=1 (unnamed compounds weigh 1). A township missing a compound gets no index and no class.</source>
        <translation>根据数值字段添加 severity（1 一般、2 较严重、3 严重）和 severity_label（界面语言的等级名称）字段，并将红—橙—黄样式随输出保存，因此无论在哪里打开都带样式。所用方法、界值、界值策略和权重写入图层元数据。

方法：自然断点法（精确 Fisher-Jenks，100 万个值以内不抽样；与 mapclassify 的 FisherJenks 界值相同，其单精度累加差一个秩时则给出更优的划分）、分位数（三分位）、固定阈值、等间距、头尾断裂法（先取均值，再取高于均值部分的均值）、均值与标准差（一般 ≤ 均值 &lt; 较严重 ≤ 均值 + 1 个标准差 &lt; 严重），以及两种比值法：数值除以本轮次或基准轮次的全县中位数，按 THRESHOLDS 划分（默认 1 和 2：不超过中位数为一般，不超过中位数两倍为较严重，更高为严重）。固定阈值需填写 THRESHOLDS，即第 1 级和第 2 级的上限（例如 50,200，单位 ng/L）。

数值 ≤ BREAK_1 为一般，≤ BREAK_2 为较严重，高于 BREAK_2 为严重。界值以 BREAK_1 和 BREAK_2 返回，并写入图例。

固定界值：图层有轮次字段（ROUND_FIELD，默认“round”）时，界值只计算一次——基于全部轮次合并的数据或基准轮次（BREAKS_FROM、BASELINE_ROUND；留空为最早轮次）——并应用于每个轮次，因此只有数值变化时乡镇的等级才会变化。

特殊数据：空值的严重程度为空，不分级，并在日志中计数。上限包含等号，相同的值总在同一级；恰好落在界值上的值数量写入日志。只有两个不同的值时，相对分级只能支持两级：较低值为一般，较高值为较严重，没有乡镇为严重。只有一个不同的值时无法进行相对分级，运行停止：请使用固定阈值。全县中位数为 0 时比值法停止运行。

多种化合物：填写 COMPOUND_FIELD，每种化合物单独计算界值。同时填写 COMPOSITE 和 ID_FIELD（乡镇）时，输出为每个乡镇每个轮次一个要素，包含每种化合物的等级（sev_&lt;化合物&gt;）和综合等级：各化合物等级中的最高级，或加权指数 Σ 权重 × 数值 ÷ 该化合物全县中位数（中位数取自与界值相同的轮次）按所选方法分级。WEIGHTS 写法如 methamphetamine=2, ketamine=1（未列出的化合物权重为 1）。缺少某种化合物的乡镇没有指数，也不分级。</translation>
    </message>
    <message>
        <source>Input layer</source>
        <translation>输入图层</translation>
    </message>
    <message>
        <source>Value field</source>
        <translation>数值字段</translation>
    </message>
    <message>
        <source>Round field</source>
        <translation>轮次字段</translation>
    </message>
    <message>
        <source>Breaks computed on</source>
        <translation>界值计算依据</translation>
    </message>
    <message>
        <source>All rounds pooled</source>
        <translation>全部轮次合并</translation>
    </message>
    <message>
        <source>The baseline round</source>
        <translation>基准轮次</translation>
    </message>
    <message>
        <source>Baseline round (empty: the earliest)</source>
        <translation>基准轮次（留空：最早轮次）</translation>
    </message>
    <message>
        <source>Compound field</source>
        <translation>化合物字段</translation>
    </message>
    <message>
        <source>Township field (for the composite)</source>
        <translation>乡镇字段（用于综合分级）</translation>
    </message>
    <message>
        <source>Composite across compounds</source>
        <translation>多种化合物综合</translation>
    </message>
    <message>
        <source>None: one class per compound</source>
        <translation>不综合：每种化合物单独分级</translation>
    </message>
    <message>
        <source>Highest class</source>
        <translation>最高等级</translation>
    </message>
    <message>
        <source>Weighted index of ratios to the county median</source>
        <translation>与全县中位数之比的加权指数</translation>
    </message>
    <message>
        <source>Compound weights (compound=weight, …)</source>
        <translation>化合物权重（化合物=权重, …）</translation>
    </message>
    <message>
        <source>How the values are cut into three classes; the help describes each method.</source>
        <translation>如何把数值划分为三个等级；各方法见帮助说明。</translation>
    </message>
    <message>
        <source>The field that holds the sampling round. With it, the breaks are computed once and applied to every round, so a township changes class only when its values change.</source>
        <translation>存放采样轮次的字段。有了它，分级断点只计算一次并用于所有轮次，乡镇只有在数值变化时才会改变等级。</translation>
    </message>
    <message>
        <source>Whether the breaks come from all rounds pooled or from one baseline round.</source>
        <translation>断点取自所有轮次合并的数据，还是取自某一个基准轮次。</translation>
    </message>
    <message>
        <source>The round the breaks (or the ratio methods' reference median) come from; empty: the earliest.</source>
        <translation>断点（或比值法的参照中位数）所取自的轮次；留空则为最早一轮。</translation>
    </message>
    <message>
        <source>With several compounds in one layer: each compound gets its own breaks.</source>
        <translation>一个图层含多种目标物时：每种目标物各自计算断点。</translation>
    </message>
    <message>
        <source>The township field, needed for a composite across compounds (one feature per township and round).</source>
        <translation>乡镇字段，用于多种目标物的综合分级（每个乡镇每轮一个要素）。</translation>
    </message>
    <message>
        <source>Combine the compounds' classes: the highest class, or a class of the weighted index of ratios to the county median.</source>
        <translation>合并各目标物的等级：取最高等级，或按“与全县中位数之比”的加权指数分级。</translation>
    </message>
    <message>
        <source>For the weighted index: compound=weight pairs, for example methamphetamine=2, ketamine=1; unnamed compounds weigh 1.</source>
        <translation>用于加权指数：目标物=权重，例如 methamphetamine=2, ketamine=1；未列出的目标物权重为 1。</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>毒情严重程度</translation>
    </message>
    <message>
        <source>Upper bound of class 1 (general)</source>
        <translation>第 1 级（一般）上限</translation>
    </message>
    <message>
        <source>Upper bound of class 2 (fairly severe)</source>
        <translation>第 2 级（较严重）上限</translation>
    </message>
    <message>
        <source>Breaks per compound</source>
        <translation>各化合物的界值</translation>
    </message>
    <message>
        <source>The layer “{layer}” has no field “{field}”.</source>
        <translation>图层“{layer}”没有字段“{field}”。</translation>
    </message>
    <message>
        <source>“{label}” has only two distinct values: the lower ({low}) is general, the higher ({high}) fairly severe, and no township is classed severe, which these data cannot support.</source>
        <translation>“{label}”只有两个不同的值：较低值（{low}）为一般，较高值（{high}）为较严重，没有乡镇定为严重，因为这些数据不足以支持。</translation>
    </message>
    <message>
        <source>“{label}”: both breaks fall on the same value ({value}) because of ties, so no township is fairly severe.</source>
        <translation>“{label}”：由于数值相同，两个界值落在同一个值（{value}）上，因此没有乡镇为较严重。</translation>
    </message>
    <message>
        <source>“{label}”: {n} values lie exactly on a break; bounds are inclusive, so they and every equal value take the lower class.</source>
        <translation>“{label}”：有 {n} 个值恰好落在界值上；上限包含等号，这些值及所有相同的值归入较低一级。</translation>
    </message>
    <message>
        <source>“{label}”: county median of round {round} = {median}.</source>
        <translation>“{label}”：轮次 {round} 的全县中位数 = {median}。</translation>
    </message>
    <message>
        <source>A composite across compounds needs the compound field and the township field.</source>
        <translation>多种化合物综合分级需要化合物字段和乡镇字段。</translation>
    </message>
    <message>
        <source>Township “{id}” has two features for {compound} in round {round} (feature {fid}): the composite needs one value each.</source>
        <translation>乡镇“{id}”在轮次 {round} 中有两个 {compound} 要素（要素 {fid}）：综合分级要求每种化合物只有一个值。</translation>
    </message>
    <message>
        <source>highest class across compounds</source>
        <translation>各化合物中的最高等级</translation>
    </message>
    <message>
        <source>composite index</source>
        <translation>综合指数</translation>
    </message>
    <message>
        <source>weighted index Σ weight × value ÷ county median</source>
        <translation>加权指数 Σ 权重 × 数值 ÷ 全县中位数</translation>
    </message>
    <message>
        <source>Composite index weights: {weights}; county medians: {medians}.</source>
        <translation>综合指数权重：{weights}；全县中位数：{medians}。</translation>
    </message>
    <message>
        <source>{n} township-rounds lack a value for at least one compound: they get no index and no class.</source>
        <translation>{n} 个乡镇轮次至少缺少一种化合物的值：没有指数，也不分级。</translation>
    </message>
    <message>
        <source>{label} (&gt; {b}× median)</source>
        <translation>{label}（&gt; {b} 倍中位数）</translation>
    </message>
    <message>
        <source>{label} ({a}–{b}× median)</source>
        <translation>{label}（{a}–{b} 倍中位数）</translation>
    </message>
    <message>
        <source>{label} (≤ {b}× median)</source>
        <translation>{label}（≤ {b} 倍中位数）</translation>
    </message>
    <message>
        <source>Style stored in the GeoPackage as its default style.</source>
        <translation>样式已作为默认样式保存在 GeoPackage 中。</translation>
    </message>
    <message>
        <source>Style stored in a .qml file beside the output.</source>
        <translation>样式已保存为输出文件旁的 .qml 文件。</translation>
    </message>
    <message>
        <source>Severity classes 1 general, 2 fairly severe, 3 severe from “{field}”.</source>
        <translation>根据“{field}”划分的严重程度等级：1 一般，2 较严重，3 严重。</translation>
    </message>
    <message>
        <source>Method: {method}.</source>
        <translation>方法：{method}。</translation>
    </message>
    <message>
        <source>Break policy: {policy}.</source>
        <translation>界值策略：{policy}。</translation>
    </message>
    <message>
        <source>Breaks (upper bounds of classes 1 and 2): {breaks}.</source>
        <translation>界值（第 1、2 级上限）：{breaks}。</translation>
    </message>
    <message>
        <source>Composite: {composite}.</source>
        <translation>综合方式：{composite}。</translation>
    </message>
    <message>
        <source>Weights: {weights}.</source>
        <translation>权重：{weights}。</translation>
    </message>
    <message>
        <source>County medians: {medians}.</source>
        <translation>全县中位数：{medians}。</translation>
    </message>
    <message>
        <source>A NULL value gets no class; bounds are inclusive; two distinct values give classes 1 and 2 only.</source>
        <translation>空值不分级；上限包含等号；只有两个不同的值时只分为第 1、2 级。</translation>
    </message>
    <message>
        <source>Method, breaks and policy written into the layer's metadata.</source>
        <translation>方法、界值和策略已写入图层元数据。</translation>
    </message>
    <message>
        <source>The layer's metadata could not be saved; the method and breaks are in this log.</source>
        <translation>图层元数据无法保存；方法和界值见本日志。</translation>
    </message>
    <message>
        <source>{n} case rows have no township name or no count and are left out (rows {rows}).</source>
        <translation>{n} 行案件记录没有乡镇名称或案件数，未使用（第 {rows} 行）。</translation>
    </message>
    <message>
        <source>{n} case rows of other rounds are left out.</source>
        <translation>{n} 行其他轮次的案件记录未使用。</translation>
    </message>
    <message>
        <source>ROUND is given, but the layer “{layer}” has no field “round”.</source>
        <translation>给出了轮次 ROUND，但图层“{layer}”没有“round”字段。</translation>
    </message>
    <message>
        <source>The layer “{layer}” has no township in round “{round}”.</source>
        <translation>图层“{layer}”在轮次“{round}”中没有乡镇。</translation>
    </message>
    <message>
        <source>The township layer has several features for {names}: one per township is needed. Give ROUND to compare one round.</source>
        <translation>乡镇图层中 {names} 有多个要素，每个乡镇只能有一个。请给出 ROUND，只比对一个轮次。</translation>
    </message>
    <message>
        <source>The township layer has several features for {names}: one per township is needed.</source>
        <translation>乡镇图层中 {names} 有多个要素，每个乡镇只能有一个。</translation>
    </message>
    <message>
        <source>{n} townships have no case row and are left out (not counted as 0): {names}.</source>
        <translation>{n} 个乡镇没有案件记录，不参与统计（不按 0 计）：{names}。</translation>
    </message>
    <message>
        <source>{n} township names in the case table match no township in “{field}”: {names}. Check their spelling.</source>
        <translation>案件表中有 {n} 个乡镇名称在“{field}”中找不到对应乡镇：{names}。请核对写法。</translation>
    </message>
    <message>
        <source>{n} townships have no value in “{field}” and are left out: {names}.</source>
        <translation>{n} 个乡镇在“{field}”中没有数值，不参与统计：{names}。</translation>
    </message>
    <message>
        <source>{n} townships compared. Spearman's ρ = {rho} (p = {rp}); Kendall's τ-b = {tau} (p = {tp}); Cohen's κ = {kappa} ({classes}).</source>
        <translation>比对了 {n} 个乡镇。Spearman ρ = {rho}（p = {rp}）；Kendall τ-b = {tau}（p = {tp}）；Cohen κ = {kappa}（{classes}）。</translation>
    </message>
    <message>
        <source>value terciles against case terciles</source>
        <translation>监测值三分位对案件数三分位</translation>
    </message>
    <message>
        <source>Disagreement: {name} ranks {sr:g} by the survey and {cr:g} by the cases.</source>
        <translation>不一致：{name} 按监测排第 {sr:g}，按案件排第 {cr:g}。</translation>
    </message>
    <message>
        <source>Survey against cases: ρ = {rho}, τ-b = {tau}, κ = {kappa} (n = {n})</source>
        <translation>监测与案件比对：ρ = {rho}，τ-b = {tau}，κ = {kappa}（n = {n}）</translation>
    </message>
    <message>
        <source>Red: the sources disagree (ranks {gap:g} or more apart)</source>
        <translation>红色：两类数据不一致（排名相差 {gap:g} 位及以上）</translation>
    </message>
    <message>
        <source>The sources disagree</source>
        <translation>两类数据不一致</translation>
    </message>
    <message>
        <source>The sources agree</source>
        <translation>两类数据一致</translation>
    </message>
    <message>
        <source>Not compared</source>
        <translation>未比较</translation>
    </message>
    <message>
        <source>Could not write the chart to “{path}”.</source>
        <translation>无法将图表写入“{path}”。</translation>
    </message>
    <message>
        <source>Compare with case data</source>
        <translation>与案件数据比对</translation>
    </message>
    <message>
        <source>Shows, with numbers, whether the townships with the highest survey values are those with the most enforcement counts (drug users found, cases or seizures), as the programme reports every quarter.

The case table (a table or a layer) is joined on CASES_JOIN_FIELD = JOIN_FIELD (names compared after trimming spaces). Several case rows for the same township are summed. A township with no case row is listed in the log and left out of the statistics, never counted as 0; case rows that match no township are listed too. A township with no survey value is left out as well. When the township layer holds several rounds, give ROUND (the case table is then filtered on its own round field, if it has one).

Results: SPEARMAN_RHO and SPEARMAN_P (Spearman's ρ on average ranks, p from Student's t with n−2 degrees of freedom), KENDALL_TAU and KENDALL_P (Kendall's τ-b, corrected for ties; p exact for up to 33 townships without ties, otherwise from the tie-corrected normal approximation), and KAPPA (Cohen's κ between terciles of the value and terciles of the case counts: both sides are classified the same way, so perfect rank agreement gives κ = 1; the layer's severity classes are not used for κ, since Jenks or fixed thresholds against case terciles would score disagreement where the rankings agree). These are computed as scipy computes them, without needing scipy. At least 5 townships with both a value and a case count are needed.

The output keeps the township fields and adds case_count, survey_rank and case_rank (1 = highest), rank_diff (survey rank − case rank: negative where the water looks worse than the cases), survey_class, case_class and disagreement (1 where the two ranks lie at least MIN_RANK_GAP apart; by default a third of the townships, at least 2). It opens styled: disagreeing townships in red. CHART writes a scatter chart (PNG) for the report.

Why the two can differ: enforcement counts measure police effort as much as drug use. Where the police look, they find; people who use drugs are registered where they are caught, not where they live; sewage carries the drug use of commuters, visitors and residents alike, and one production or dumping site can dominate a township's water. A disagreement is a question to look into, not an error of either source.</source>
        <translation>用数字说明监测值最高的乡镇是否就是执法数据（查获吸毒人员、案件或缴获）最多的乡镇，供每季度通报使用。

案件表（表格或图层）按 CASES_JOIN_FIELD = JOIN_FIELD 连接（名称去掉首尾空格后比较）。同一乡镇的多行案件数相加。没有案件记录的乡镇在日志中列出并不参与统计，绝不按 0 计；与任何乡镇都对不上的案件表名称也会列出。没有监测值的乡镇同样不参与统计。乡镇图层含多个轮次时，请给出 ROUND（如案件表有 round 字段，也按该轮次筛选）。

结果：SPEARMAN_RHO 和 SPEARMAN_P（基于平均秩的 Spearman ρ，p 值由自由度 n−2 的 t 分布得出）、KENDALL_TAU 和 KENDALL_P（经结值校正的 Kendall τ-b；无结值且不超过 33 个乡镇时为精确 p 值，否则用结值校正的正态近似），以及 KAPPA（监测值三分位分级与案件数三分位分级之间的 Cohen κ：两边用同一方法分级，排名完全一致时 κ = 1；图层的严重程度等级不用于 κ，因为自然断点或固定阈值与案件三分位相比，会在排名一致时也算出不一致）。计算方法与 scipy 相同，但不需要安装 scipy。至少需要 5 个既有监测值又有案件数的乡镇。

输出保留乡镇字段，并增加 case_count、survey_rank 和 case_rank（1 = 最高）、rank_diff（监测排名 − 案件排名：为负表示污水数据比案件数据显示的更严重）、survey_class、case_class 和 disagreement（两个排名相差至少 MIN_RANK_GAP 时为 1；默认为乡镇数的三分之一，至少为 2）。输出自带样式：不一致的乡镇显示为红色。CHART 输出一张散点图（PNG），可用于报告。

两者为什么会不一致：执法数据反映的既是吸毒情况，也是打击力度。哪里查得多，哪里就查获得多；吸毒人员在被查获的地方登记，而不一定是居住地；污水里包含通勤者、外来人员和本地居民的用毒情况，一个制毒或倾倒点就可能主导一个乡镇的水样结果。不一致是需要进一步核查的问题，而不是哪一方的数据错了。</translation>
    </message>
    <message>
        <source>Township layer</source>
        <translation>乡镇图层</translation>
    </message>
    <message>
        <source>Survey value field</source>
        <translation>监测值字段</translation>
    </message>
    <message>
        <source>Round (when the layer holds several)</source>
        <translation>轮次（图层含多个轮次时）</translation>
    </message>
    <message>
        <source>Case table</source>
        <translation>案件表</translation>
    </message>
    <message>
        <source>Township name field in the case table</source>
        <translation>案件表中的乡镇名称字段</translation>
    </message>
    <message>
        <source>Case count field</source>
        <translation>案件数字段</translation>
    </message>
    <message>
        <source>Rank gap that counts as disagreement (0: a third of the townships)</source>
        <translation>视为不一致的排名差（0：乡镇数的三分之一）</translation>
    </message>
    <message>
        <source>Survey against cases</source>
        <translation>监测与案件比对</translation>
    </message>
    <message>
        <source>Scatter chart</source>
        <translation>散点图</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>Spearman's rho</source>
        <translation>Spearman ρ</translation>
    </message>
    <message>
        <source>Spearman p-value</source>
        <translation>Spearman p 值</translation>
    </message>
    <message>
        <source>Kendall's tau-b</source>
        <translation>Kendall τ-b</translation>
    </message>
    <message>
        <source>Kendall p-value</source>
        <translation>Kendall p 值</translation>
    </message>
    <message>
        <source>Cohen's kappa</source>
        <translation>Cohen κ</translation>
    </message>
    <message>
        <source>Townships compared</source>
        <translation>参与比对的乡镇数</translation>
    </message>
    <message>
        <source>Townships where the sources disagree</source>
        <translation>两类数据不一致的乡镇数</translation>
    </message>
    <message>
        <source>κ compares terciles of “{field}” with terciles of the case counts: both sides are classified the same way. The layer's severity classes come from another method and are not used for κ.</source>
        <translation>κ 比较“{field}”的三分位分级与案件数的三分位分级：两边用同一方法分级。图层的严重程度等级来自另一种方法，不用于 κ。</translation>
    </message>
    <message>
        <source>Only {n} townships have both a survey value and a case count: at least 5 are needed for a correlation. Check the township names in the case table against “{field}”.</source>
        <translation>只有 {n} 个乡镇同时有监测值和案件数，计算相关至少需要 5 个。请对照“{field}”核对案件表中的乡镇名称。</translation>
    </message>
    <message>
        <source>The layer “{layer}” lacks {fields}: run “Back-calculate loads and consumption” first and summarise its output.</source>
        <translation>图层“{layer}”缺少 {fields}：请先运行“反推负荷与消费量”，再汇总其输出。</translation>
    </message>
    <message>
        <source>No sample has a population served: township and county figures are plain means, not population-weighted.</source>
        <translation>没有任何样品有服务人口：乡镇和全县数字为简单均值，而不是人口加权均值。</translation>
    </message>
    <message>
        <source>{n} samples have no population served: they are left out of the population-weighted figures.</source>
        <translation>{n} 个样品没有服务人口：不计入人口加权的数字。</translation>
    </message>
    <message>
        <source>this county, population-weighted (95% interval)</source>
        <translation>本县，人口加权（95% 区间）</translation>
    </message>
    <message>
        <source>this survey</source>
        <translation>本次调查</translation>
    </message>
    <message>
        <source>townships of this county</source>
        <translation>本县各乡镇</translation>
    </message>
    <message>
        <source>European cities ({substance}): quantified cities; {below} below LOQ, {missing} not sampled</source>
        <translation>欧洲城市（{substance}）：已定量城市；{below} 个低于定量限，{missing} 个未采样</translation>
    </message>
    <message>
        <source>EMCDDA, Wastewater analysis and drugs — a European multi-city study</source>
        <translation>EMCDDA，污水分析与毒品——欧洲多城市研究</translation>
    </message>
    <message>
        <source>Cannot read the published ranges table: {error}</source>
        <translation>无法读取已发表范围表：{error}</translation>
    </message>
    <message>
        <source>Cannot read the EMCDDA table “{path}”: {error}</source>
        <translation>无法读取 EMCDDA 数据表“{path}”：{error}</translation>
    </message>
    <message>
        <source>Township and county consumption, with a comparison table</source>
        <translation>乡镇和全县消费量及对比表</translation>
    </message>
    <message>
        <source>Summarises the output of “Back-calculate loads and consumption” per township and round, and for the whole county per round, and sets the county beside published figures.

Only sewage and influent samples with a normalised load count. Each figure (load_mg_day_1000, consumption_mg_day_1000, doses_day_1000) is the population-weighted mean of the samples (weights: the population each sample serves), and its interval comes from a new Monte Carlo over the same chain, with the same RSD parameters and seed as the back-calculation, where each draw's weighted mean is taken (the excretion error is shared by all samples of a compound, so it does not average out). Keep AMP_RATIO equal to the one used in the back-calculation.

The comparison table puts, for each compound: the county's population-weighted normalised load per round with its 95% interval; the spread over its townships; the published ranges for Chinese cities (resources/published_ranges.csv, with their sources); and the EMCDDA European cities (the city daily means of the residue's normalised load, for the latest year or the year chosen). In the EMCDDA data a 0 means below the limit of quantification: such cities are counted in n_below_loq and left out of low, median and high, which describe the quantified cities; a blank means not sampled and is left out. All loads are of the residue measured, without excretion correction, as EMCDDA publishes them.</source>
        <translation>按乡镇和轮次、以及按全县和轮次汇总“反推负荷与消费量”的输出，并将全县数据与已发表数据并列对比。

只计入有归一化负荷的污水和进水样品。各项数字（load_mg_day_1000、consumption_mg_day_1000、doses_day_1000）为各样品的人口加权平均（权重为各样品服务的人口），区间来自对同一计算链重新进行的蒙特卡罗模拟，采用与反推时相同的相对标准偏差参数和随机种子，对每次抽样取加权平均（同一化合物的所有样品共用排泄率误差，因此不会被平均掉）。AMP_RATIO 请与反推时保持一致。

对比表对每种化合物列出：全县各轮次人口加权的归一化负荷及其 95% 区间；各乡镇之间的分布范围；中国城市的已发表范围（resources/published_ranges.csv，附出处）；以及 EMCDDA 欧洲城市数据（残留物归一化负荷的城市日均值，取最新年份或指定年份）。EMCDDA 数据中的 0 表示低于定量限：这些城市计入 n_below_loq，不参与 low、median、high 的计算（这三项描述已定量的城市）；空白表示未采样，不计入。所有负荷均为所检测残留物的负荷，未作排泄校正，与 EMCDDA 的发布方式一致。</translation>
    </message>
    <message>
        <source>EMCDDA city table (CSV)</source>
        <translation>EMCDDA 城市数据表（CSV）</translation>
    </message>
    <message>
        <source>Empty: the copy shipped with the plugin (EMCDDA European multi-city study, 2011–2022).</source>
        <translation>留空：使用随插件提供的副本（EMCDDA 欧洲多城市研究，2011–2022）。</translation>
    </message>
    <message>
        <source>EMCDDA year (0: the latest)</source>
        <translation>EMCDDA 年份（0 为最新）</translation>
    </message>
    <message>
        <source>Township and county summary</source>
        <translation>乡镇和全县汇总</translation>
    </message>
    <message>
        <source>Comparison with published figures</source>
        <translation>与已发表数据的对比</translation>
    </message>
    <message>
        <source>Samples left out</source>
        <translation>未计入的样品数</translation>
    </message>
    <message>
        <source>{n} samples are left out: not sewage or influent, or without a normalised load (no flow or population).</source>
        <translation>{n} 个样品未计入：不是污水或进水样品，或没有归一化负荷（缺少流量或人口）。</translation>
    </message>
    <message>
        <source>No sewage or influent sample in “{layer}” has a normalised load: give flow and population to the back-calculation.</source>
        <translation>“{layer}”中没有任何污水或进水样品具有归一化负荷：请在反推时提供流量和人口。</translation>
    </message>
    <message>
        <source>Monte Carlo for the {level} figures…</source>
        <translation>正在为{level}数字进行蒙特卡罗模拟…</translation>
    </message>
    <message>
        <source>county</source>
        <translation>全县</translation>
    </message>
    <message>
        <source>township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>New hot spot</source>
        <translation>新增热点</translation>
    </message>
    <message>
        <source>Consecutive hot spot</source>
        <translation>连续热点</translation>
    </message>
    <message>
        <source>Intensifying hot spot</source>
        <translation>增强热点</translation>
    </message>
    <message>
        <source>Persistent hot spot</source>
        <translation>持续热点</translation>
    </message>
    <message>
        <source>Diminishing hot spot</source>
        <translation>减弱热点</translation>
    </message>
    <message>
        <source>Sporadic hot spot</source>
        <translation>零星热点</translation>
    </message>
    <message>
        <source>Oscillating hot spot</source>
        <translation>振荡热点</translation>
    </message>
    <message>
        <source>Historical hot spot</source>
        <translation>历史热点</translation>
    </message>
    <message>
        <source>New cold spot</source>
        <translation>新增冷点</translation>
    </message>
    <message>
        <source>Consecutive cold spot</source>
        <translation>连续冷点</translation>
    </message>
    <message>
        <source>Intensifying cold spot</source>
        <translation>增强冷点</translation>
    </message>
    <message>
        <source>Persistent cold spot</source>
        <translation>持续冷点</translation>
    </message>
    <message>
        <source>Diminishing cold spot</source>
        <translation>减弱冷点</translation>
    </message>
    <message>
        <source>Sporadic cold spot</source>
        <translation>零星冷点</translation>
    </message>
    <message>
        <source>Oscillating cold spot</source>
        <translation>振荡冷点</translation>
    </message>
    <message>
        <source>Historical cold spot</source>
        <translation>历史冷点</translation>
    </message>
    <message>
        <source>No pattern detected</source>
        <translation>未发现模式</translation>
    </message>
    <message>
        <source>Emerging hot spots</source>
        <translation>新兴热点分析</translation>
    </message>
    <message>
        <source>Finds where hot and cold spots appear, persist, grow or fade across rounds, as Esri's Emerging Hot Spot Analysis does. The input holds one feature per township and round (for example “Aggregate samples by township” over several rounds).

Per round: Getis-Ord Gi* with binary weights (queen contiguity, a distance band or the K nearest; each township its own neighbour) on the townships with a value that round; the K nearest are found among those townships, as “Hot spots” finds them, and FDR is on by default as there, so both flag the same townships for one round. Rounds are placed in time (years, quarters or months; never mixed), and a layer holding several compounds or units is refused. A township-round is hot (cold) when Gi* is significant at 90% or more with a positive (negative) z: Gi_Bin ±1…±3, with the normal p, or with the false discovery rate per round when FDR is on. A missing value is neither hot nor cold.

Trend: the Mann-Kendall test on each township's series of Gi* z-scores (exact p below 10 rounds), significant at TREND_ALPHA.

Categories, with n rounds and m = ⌈0.9 n⌉ (“90% of the rounds”), tested in this order: intensifying, diminishing or persistent — hot in at least m rounds including the last, with a significant rise, a significant fall, or neither; oscillating — hot in the last round, cold in an earlier one, hot in fewer than m rounds; new — hot in the last round and never hot or cold before; consecutive — hot in an unbroken run of at least two rounds ending with the last, never hot or cold before the run; sporadic — hot in the last round, on and off before, never cold; historical — not hot in the last round but hot in at least ⌈0.9 (n−1)⌉ of the earlier rounds. Cold spots follow the same rules with hot and cold swapped (intensifying cold: z falling). A category decided by the last round wins over a historical one; otherwise no pattern detected.

Fewer than 10 rounds: ⌈0.9 n⌉ equals n, so persistent, intensifying and diminishing need every round hot. Esri's historical rule (90% of all rounds hot, the last one not) could then never hold, so historical is judged on the rounds before the last one: every earlier round hot when n ≤ 10. With 4 rounds the smallest Mann-Kendall p is 0.083: at 0.05 no township can be intensifying or diminishing, only persistent; the log says so. At least 3 rounds are needed.

Output: one feature per township with its geometry, styled by pattern: the ID field, n_rounds, n_hot, n_cold, bins (Gi_Bin per round, oldest first; NA where the township has no value that round: no data, not bin 0), gi_z_last, trend_s, trend_z, trend_p, pattern and pattern_label.</source>
        <translation>找出冷热点在各轮次间出现、持续、增强或减弱的位置，与 Esri 的新兴热点分析相同。输入为每个乡镇每个轮次一个要素（例如“按乡镇汇总样品”在多个轮次上的输出）。

每个轮次：对该轮次有数值的乡镇计算 Getis-Ord Gi*，使用二值权重（Queen 邻接、距离带或 K 近邻；每个乡镇也是自己的邻居）；K 近邻在这些乡镇中寻找，与“热点分析”相同，FDR 也与之一样默认开启，因此两者对同一轮次标出相同的乡镇。轮次按时间排列（年、季度或月，不能混用），含多种化合物或单位的图层会被拒绝。Gi* 在 90% 或更高置信度下显著且 z 为正（负）时，该乡镇该轮次为热点（冷点）：Gi_Bin 为 ±1…±3，使用正态 p，或开启 FDR 时按每轮次的错误发现率校正。缺失值既非热点也非冷点。

趋势：对每个乡镇的 Gi* z 值序列做 Mann-Kendall 检验（少于 10 个轮次时为精确 p），以 TREND_ALPHA 为显著性水平。

类别（n 个轮次，m = ⌈0.9 n⌉ 即“90% 的轮次”），按以下顺序判定：增强、减弱或持续——至少 m 个轮次为热点且包括最后一个轮次，趋势分别为显著上升、显著下降或都不是；振荡——最后一个轮次为热点，之前某轮次为冷点，热点轮次少于 m；新增——最后一个轮次为热点，之前从未是热点或冷点；连续——以最后一个轮次结尾、至少连续两个轮次为热点，此前从未是热点或冷点；零星——最后一个轮次为热点，之前时有时无，从未是冷点；历史——最后一个轮次不是热点，但之前轮次中至少 ⌈0.9 (n−1)⌉ 个为热点。冷点规则相同，只是冷热互换（增强冷点：z 下降）。由最后一个轮次决定的类别优先于历史类别；都不符合时为未发现模式。

少于 10 个轮次：⌈0.9 n⌉ 等于 n，因此持续、增强和减弱要求每个轮次都是热点。Esri 的历史规则（90% 的轮次为热点而最后一个不是）此时不可能成立，因此历史类别按最后一个轮次之前的轮次判定：n ≤ 10 时要求之前每个轮次都是热点。4 个轮次时 Mann-Kendall 的最小 p 为 0.083：在 0.05 水平上没有乡镇能判为增强或减弱，只能是持续；日志会说明。至少需要 3 个轮次。

输出：每个乡镇一个要素，带其几何，按类别设置样式：ID 字段、n_rounds、n_hot、n_cold、bins（各轮次的 Gi_Bin，由早到晚；该轮次没有数值时为 NA：无数据，而不是 0）、gi_z_last、trend_s、trend_z、trend_p、pattern 和 pattern_label。</translation>
    </message>
    <message>
        <source>Township values by round</source>
        <translation>各轮次乡镇数值</translation>
    </message>
    <message>
        <source>Township field</source>
        <translation>乡镇字段</translation>
    </message>
    <message>
        <source>Distance band (0: the smallest that gives every township a neighbour)</source>
        <translation>距离带（0：使每个乡镇都有邻居的最小距离）</translation>
    </message>
    <message>
        <source>K nearest neighbours</source>
        <translation>K 最近邻</translation>
    </message>
    <message>
        <source>False discovery rate correction per round</source>
        <translation>每个轮次做错误发现率（FDR）校正</translation>
    </message>
    <message>
        <source>Significance level of the trend</source>
        <translation>趋势的显著性水平</translation>
    </message>
    <message>
        <source>Rounds</source>
        <translation>轮次数</translation>
    </message>
    <message>
        <source>Townships with a hot spot pattern</source>
        <translation>具有热点模式的乡镇数</translation>
    </message>
    <message>
        <source>Townships with a cold spot pattern</source>
        <translation>具有冷点模式的乡镇数</translation>
    </message>
    <message>
        <source>“{layer}” needs point or polygon geometries to find neighbours.</source>
        <translation>“{layer}”需要点或面几何才能确定邻居。</translation>
    </message>
    <message>
        <source>Finding neighbours…</source>
        <translation>正在查找邻居…</translation>
    </message>
    <message>
        <source>{n} townships have no neighbour: their Gi* is undefined and they show no pattern.</source>
        <translation>{n} 个乡镇没有邻居：其 Gi* 无定义，不显示任何模式。</translation>
    </message>
    <message>
        <source>Gi* per round and trends…</source>
        <translation>正在计算各轮次 Gi* 和趋势…</translation>
    </message>
    <message>
        <source>{label}: {n}</source>
        <translation>{label}：{n}</translation>
    </message>
    <message>
        <source>{n} features have no township or no round and are left out.</source>
        <translation>{n} 个要素没有乡镇或轮次，已剔除。</translation>
    </message>
    <message>
        <source>{n} features shared a township and a round with another and were averaged with it.</source>
        <translation>{n} 个要素与其他要素的乡镇和轮次相同，已取平均。</translation>
    </message>
    <message>
        <source>Emerging hot spots need at least 3 rounds; “{layer}” has {n} ({rounds}).</source>
        <translation>新兴热点分析至少需要 3 个轮次；“{layer}”只有 {n} 个（{rounds}）。</translation>
    </message>
    <message>
        <source>Rounds in time order: {rounds}.</source>
        <translation>按时间排列的轮次：{rounds}。</translation>
    </message>
    <message>
        <source>{n} township-rounds have no value: Gi* of those rounds is computed without them, and they count as neither hot nor cold.</source>
        <translation>{n} 个乡镇轮次没有数值：这些轮次的 Gi* 不计入它们，它们既非热点也非冷点。</translation>
    </message>
    <message>
        <source>Some townships in “{layer}” have no geometry, so their neighbours are unknown.</source>
        <translation>“{layer}”中部分乡镇没有几何，无法确定其邻居。</translation>
    </message>
    <message>
        <source>K nearest neighbours are found each round among the townships with a value, as “Hot spots” does.</source>
        <translation>每个轮次在有数值的乡镇中寻找 K 近邻，与“热点分析”相同。</translation>
    </message>
    <message>
        <source>all values equal</source>
        <translation>所有值相同</translation>
    </message>
    <message>
        <source>too few townships for K neighbours</source>
        <translation>乡镇数不足以取 K 个邻居</translation>
    </message>
    <message>
        <source>Round {round}: Gi* cannot be computed ({reason}); no township is hot or cold in it.</source>
        <translation>轮次 {round}：无法计算 Gi*（{reason}）；该轮次没有乡镇为热点或冷点。</translation>
    </message>
    <message>
        <source>fewer than 3 townships with a value</source>
        <translation>有数值的乡镇少于 3 个</translation>
    </message>
    <message>
        <source>{n} rounds: persistent, intensifying and diminishing need {m} hot rounds including the last; historical needs {h} of the {e} earlier rounds.</source>
        <translation>{n} 个轮次：持续、增强和减弱需要包括最后一个轮次在内的 {m} 个热点轮次；历史需要之前 {e} 个轮次中有 {h} 个。</translation>
    </message>
    <message>
        <source>Fewer than 10 rounds: “90% of the rounds” means every round, and historical is judged on the earlier rounds.</source>
        <translation>少于 10 个轮次：“90% 的轮次”即每个轮次，历史类别按之前的轮次判定。</translation>
    </message>
    <message>
        <source>With {n} rounds the smallest Mann-Kendall p is {p:.3g}, above {alpha:g}: no township can be intensifying or diminishing, only persistent. A trend needs at least {k} rounds.</source>
        <translation>{n} 个轮次时 Mann-Kendall 的最小 p 为 {p:.3g}，高于 {alpha:g}：没有乡镇能判为增强或减弱，只能是持续。要判断趋势至少需要 {k} 个轮次。</translation>
    </message>
    <message>
        <source>Export severity map</source>
        <translation>导出毒情分级图</translation>
    </message>
    <message>
        <source>Writes a finished map of a severity layer to PDF or PNG (the format follows the file extension): the title, the map with township names, the legend with the class breaks, a scale bar, a north arrow, the round and the date, and a source line. The legend gives the breaks and the unit, taken from the data (the layer's unit field, else the import's unit for its medium). Text from the data is printed as it is, never evaluated as a QGIS expression; township names are text in the PDF, so a PDF reader finds them. The file is written to a temporary name and renamed into place when complete; a folder or a read-only file as output is refused.

The layer's own style is used; a layer with a severity field but another style gets the red–orange–yellow severity style. A layer in a geographic CRS, or in a projection that is not true to scale at its centre (Web Mercator, EPSG:3857), is drawn in the UTM zone of its centre, so that the scale bar measures ground distances. Chinese text needs a CJK font such as Noto Sans CJK (Debian: fonts-noto-cjk).</source>
        <translation>将严重程度图层输出为 PDF 或 PNG 成品地图（格式由文件扩展名决定）：标题、标注乡镇名称的地图、带分级界值的图例、比例尺、指北针、轮次与日期，以及数据来源说明。图例中的界值和单位取自数据（图层的 unit 字段，否则为导入时该介质的单位）。数据中的文字按原样打印，绝不作为 QGIS 表达式求值；乡镇名称在 PDF 中为文本，PDF 阅读器可以搜索到。文件先写入临时文件名，完成后再重命名到位；输出路径为文件夹或只读文件时拒绝执行。

使用图层自身的样式；有 severity 字段但样式不同的图层使用红—橙—黄严重程度样式。地理坐标系的图层，或在中心处比例不真实的投影（Web 墨卡托，EPSG:3857）中的图层，按其中心所在的 UTM 带绘制，使比例尺量测的是实地距离。中文文字需要 CJK 字体，如 Noto Sans CJK（Debian：fonts-noto-cjk）。</translation>
    </message>
    <message>
        <source>Severity layer</source>
        <translation>严重程度图层</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Township label field (empty: guess)</source>
        <translation>乡镇标注字段（留空：自动识别）</translation>
    </message>
    <message>
        <source>Source line</source>
        <translation>数据来源说明</translation>
    </message>
    <message>
        <source>Map file</source>
        <translation>地图文件</translation>
    </message>
    <message>
        <source>PDF (*.pdf);;PNG image (*.png)</source>
        <translation>PDF (*.pdf);;PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>The map file “{path}” must end in .pdf or .png.</source>
        <translation>地图文件“{path}”的扩展名必须是 .pdf 或 .png。</translation>
    </message>
    <message>
        <source>Wastewater drug survey: severity by township</source>
        <translation>污水毒情监测：乡镇毒情严重程度</translation>
    </message>
    <message>
        <source>Round: {rounds}</source>
        <translation>轮次：{rounds}</translation>
    </message>
    <message>
        <source>Compound: {compounds}</source>
        <translation>物质：{compounds}</translation>
    </message>
    <message>
        <source>Map date: {date}</source>
        <translation>制图日期：{date}</translation>
    </message>
    <message>
        <source>Severity ({unit})</source>
        <translation>毒情严重程度（{unit}）</translation>
    </message>
    <message>
        <source>The map could not be written to “{path}”. {error}</source>
        <translation>无法写出地图“{path}”。{error}</translation>
    </message>
    <message>
        <source>Map written to {path}</source>
        <translation>地图已写出：{path}</translation>
    </message>
    <message>
        <source>Hot spot, 99% confidence</source>
        <translation>热点（99% 置信度）</translation>
    </message>
    <message>
        <source>Hot spot, 95% confidence</source>
        <translation>热点（95% 置信度）</translation>
    </message>
    <message>
        <source>Hot spot, 90% confidence</source>
        <translation>热点（90% 置信度）</translation>
    </message>
    <message>
        <source>Not significant</source>
        <translation>不显著</translation>
    </message>
    <message>
        <source>Cold spot, 90% confidence</source>
        <translation>冷点（90% 置信度）</translation>
    </message>
    <message>
        <source>Cold spot, 95% confidence</source>
        <translation>冷点（95% 置信度）</translation>
    </message>
    <message>
        <source>Cold spot, 99% confidence</source>
        <translation>冷点（99% 置信度）</translation>
    </message>
    <message>
        <source>Not analysed (no value or no geometry)</source>
        <translation>未分析（无值或无几何）</translation>
    </message>
    <message>
        <source>Only {n} features of “{layer}” have a value in “{field}”: hot spot statistics need at least 3.</source>
        <translation>“{layer}”中只有 {n} 个要素在“{field}”上有值：热点统计至少需要 3 个。</translation>
    </message>
    <message>
        <source>Every value of “{field}” in “{layer}” is the same ({value}): there is no pattern to test.</source>
        <translation>“{layer}”中“{field}”的所有值都相同（{value}）：没有可供检验的空间格局。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Hot spots (Getis-Ord Gi* and local Moran's I)</source>
        <translation>热点分析（Getis-Ord Gi* 与局部莫兰指数）</translation>
    </message>
    <message>
        <source>Tests, feature by feature, whether high or low values cluster: Getis-Ord Gi* (hot and cold spots) and local Moran's I (clusters HH, LL and outliers HL, LH). Use it on township values (for example the mean written by “Aggregate samples by township”, one round at a time) or on sampling points.

Neighbours (WEIGHTS): queen contiguity for polygons (they share at least one boundary point, or overlap); a fixed distance band (DISTANCE, in layer units; 0 = the smallest band that gives every feature a neighbour); or the K nearest features. Polygons use their centroids for the distance band and the nearest neighbours. Gi* uses these neighbours with weight 1 and each feature as its own neighbour, as Esri and esda do; local Moran uses the same neighbours row-standardised, without the feature itself, as esda and GeoDa do.

Output fields, after the input's fields: gi_z (the Gi* z-score), gi_p, gi_bin (3, 2, 1: hot spot at 99, 95, 90% confidence; −1, −2, −3: cold spot; 0: not significant), lisa_i (local Moran's I), lisa_p and lisa_cluster (HH, LL, HL, LH at 95% confidence, NS otherwise). The layer is styled on gi_bin: reds for hot, blues for cold, grey for not significant.

p-values: with PERMUTATIONS &gt; 0 (default 999) they are pseudo p-values from conditional permutation: each feature keeps its value, its neighbours are drawn at random from the other features, and p = (M+1)/(R+1) with M the draws as extreme as the data in the same tail, exactly as esda and GeoDa compute it (one-sided, in the direction of the observed value). The confidence levels are two-sided, as for the z-score: a bin's level is tested on 2 × p, so gi_bin ±1 means p ≤ 0.05. Both statistics share one simulation and lisa_p equals gi_p. SEED makes runs repeat. With PERMUTATIONS = 0 the p-values are the two-sided normal p-values of the analytic z-scores.

FDR (on by default): the Benjamini–Hochberg false discovery rate correction, applied as Esri applies it: the p-values are kept, and the critical p of each confidence level is lowered to the largest p(k) ≤ k·α/m among the m p-values. Without it, about one feature in ten is flagged at 90% by chance alone (Esri, “What is a z-score? What is a p-value?” and “How Hot Spot Analysis (Getis-Ord Gi*) works”, ArcGIS Pro documentation, pro.arcgis.com/en/pro-app/latest/tool-reference/spatial-statistics/; Benjamini and Hochberg 1995; Caldas de Castro and Singer 2006).

Features with no value in FIELD, or without geometry, are left out of the analysis, counted in the log and written with NULL statistics (“not analysed”). Features without any neighbour (islands) are listed in the log and get NULL gi_z, gi_p, lisa_i and lisa_p, gi_bin 0 and lisa_cluster NS: there is no neighbourhood to test. Distances in a geographic CRS are in degrees: project the layer first.

On a sample layer (fields detected and lod) non-detects enter through ND_POLICY, as in the township aggregation. A layer that holds several compounds or units (fields compound, unit) is refused: filter it to one.

A Gi* hot spot is a high neighbourhood, not necessarily a high township: a township with modest values is a hot spot when its neighbours are high. Read gi_bin beside the local Moran cluster: HL marks a high township among low ones, LH a low one among high ones.</source>
        <translation>逐个要素检验高值或低值是否聚集：Getis-Ord Gi*（热点与冷点）和局部莫兰指数 I（高高 HH、低低 LL 聚集，以及高低 HL、低高 LH 异常）。可用于乡镇数值（例如“按乡镇汇总样品”输出的 mean，每次只分析一个轮次），也可用于采样点。

邻居定义（WEIGHTS）：面要素用 Queen 邻接（至少有一个边界点相接，或相互重叠）；固定距离带（DISTANCE，图层单位；0 表示使每个要素都至少有一个邻居的最小距离）；或 K 个最近要素。面要素在距离带和最近邻方式下使用其质心。Gi* 对这些邻居取权重 1，并把要素自身算作邻居，与 Esri 和 esda 一致；局部莫兰指数使用同样的邻居，行标准化且不含自身，与 esda 和 GeoDa 一致。

输出字段（排在输入图层字段之后）：gi_z（Gi* 的 z 得分）、gi_p、gi_bin（3、2、1：99%、95%、90% 置信度的热点；−1、−2、−3：冷点；0：不显著）、lisa_i（局部莫兰指数）、lisa_p 和 lisa_cluster（95% 置信度下的 HH、LL、HL、LH，否则为 NS）。图层按 gi_bin 设置样式：红色为热点，蓝色为冷点，灰色为不显著。

p 值：PERMUTATIONS &gt; 0（默认 999）时为条件置换得到的伪 p 值：每个要素保留自身的值，其邻居从其他要素中随机抽取，p = (M+1)/(R+1)，M 为与实际数据同一尾部、至少同样极端的抽样次数，与 esda 和 GeoDa 的算法完全相同（单侧，沿观测值所在方向）。置信度按双侧理解，与 z 得分一致：分级时以 2 × p 检验，因此 gi_bin 为 ±1 表示 p ≤ 0.05。两种统计量共用同一次模拟，lisa_p 等于 gi_p。SEED 使每次运行结果可重复。PERMUTATIONS = 0 时，p 值为解析 z 得分的双侧正态 p 值。

FDR（默认开启）：Benjamini–Hochberg 错误发现率校正，按 Esri 的做法应用：p 值本身不变，而把每个置信度的临界 p 值降低为 m 个 p 值中满足 p(k) ≤ k·α/m 的最大 p(k)。不做校正时，仅凭偶然就会有约十分之一的要素在 90% 置信度下被标出（Esri，ArcGIS Pro 文档“What is a z-score? What is a p-value?”和“How Hot Spot Analysis (Getis-Ord Gi*) works”，pro.arcgis.com/en/pro-app/latest/tool-reference/spatial-statistics/；Benjamini 和 Hochberg，1995；Caldas de Castro 和 Singer，2006）。

FIELD 无值或没有几何的要素不参与分析，在日志中计数，输出时统计字段为空（“未分析”）。没有任何邻居的要素（孤立要素）在日志中列出，其 gi_z、gi_p、lisa_i 和 lisa_p 为空，gi_bin 为 0，lisa_cluster 为 NS：没有邻域可供检验。地理坐标系下的距离单位是度：请先将图层投影。

对样品图层（带 detected 和 lod 字段），未检出值按 ND_POLICY 进入分析，与乡镇汇总相同。含多种化合物或单位（compound、unit 字段）的图层会被拒绝：请先筛选为一种。

Gi* 热点是高值邻域，而不一定是高值乡镇：数值一般的乡镇，只要邻居数值高，也会成为热点。请把 gi_bin 与局部莫兰聚类对照阅读：HL 表示低值包围中的高值乡镇，LH 表示高值包围中的低值乡镇。</translation>
    </message>
    <message>
        <source>Distance band (0: the smallest that gives every feature a neighbour)</source>
        <translation>距离带（0：使每个要素都有邻居的最小距离）</translation>
    </message>
    <message>
        <source>Number of nearest neighbours (K)</source>
        <translation>最近邻个数（K）</translation>
    </message>
    <message>
        <source>Permutations (0: analytic p-values only)</source>
        <translation>置换次数（0：只用解析 p 值）</translation>
    </message>
    <message>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>False discovery rate correction (FDR)</source>
        <translation>错误发现率校正（FDR）</translation>
    </message>
    <message>
        <source>On a sample layer (with the import's fields detected and lod), how a non-detect enters the analysis: the same policy as “Aggregate samples by township” (default LOD/2). A non-detect is a low value, not a missing one.</source>
        <translation>对样品图层（带导入写出的 detected 和 lod 字段）：未检出值如何进入分析，与“按乡镇汇总样品”规则相同（默认 LOD/2）。未检出是低值，而不是缺失值。</translation>
    </message>
    <message>
        <source>Hot spots</source>
        <translation>热点</translation>
    </message>
    <message>
        <source>Hot spots (gi_bin &gt; 0)</source>
        <translation>热点数（gi_bin &gt; 0）</translation>
    </message>
    <message>
        <source>Cold spots (gi_bin &lt; 0)</source>
        <translation>冷点数（gi_bin &lt; 0）</translation>
    </message>
    <message>
        <source>Features without neighbours</source>
        <translation>无邻居的要素数</translation>
    </message>
    <message>
        <source>Features left out (no value or no geometry)</source>
        <translation>未参与分析的要素数（无值或无几何）</translation>
    </message>
    <message>
        <source>Reading features…</source>
        <translation>正在读取要素…</translation>
    </message>
    <message>
        <source>Computing Gi* and local Moran's I…</source>
        <translation>正在计算 Gi* 和局部莫兰指数…</translation>
    </message>
    <message>
        <source>{n} features have no value in “{field}” and are left out of the analysis (written as not analysed).</source>
        <translation>{n} 个要素在“{field}”上无值，未参与分析（输出为“未分析”）。</translation>
    </message>
    <message>
        <source>{n} features have no geometry and are left out of the analysis.</source>
        <translation>{n} 个要素没有几何，未参与分析。</translation>
    </message>
    <message>
        <source>No feature of “{layer}” has a neighbour with these settings: choose a larger distance band, or K nearest neighbours.</source>
        <translation>按当前设置，“{layer}”中没有任何要素有邻居：请增大距离带，或改用 K 最近邻。</translation>
    </message>
    <message>
        <source>{n} features analysed; neighbours per feature: min {min}, mean {mean}, max {max}.</source>
        <translation>共分析 {n} 个要素；每个要素的邻居数：最少 {min}，平均 {mean}，最多 {max}。</translation>
    </message>
    <message>
        <source>{n} features have no neighbour (feature ids {ids}{more}). They get NULL statistics, gi_bin 0 and cluster NS: there is no neighbourhood to test.</source>
        <translation>{n} 个要素没有邻居（要素编号 {ids}{more}）。它们的统计值为空，gi_bin 为 0，聚类为 NS：没有邻域可供检验。</translation>
    </message>
    <message>
        <source>{n} features have every other feature as a neighbour: their Gi* is undefined (NULL). Use a smaller band or K.</source>
        <translation>{n} 个要素以所有其他要素为邻居：其 Gi* 无定义（为空）。请减小距离带或 K。</translation>
    </message>
    <message>
        <source>p-values: pseudo p-values (M+1)/(R+1) from {r} conditional permutations (seed {seed}); smallest possible p {p}.</source>
        <translation>p 值：{r} 次条件置换得到的伪 p 值 (M+1)/(R+1)（随机种子 {seed}）；可能的最小 p 值为 {p}。</translation>
    </message>
    <message>
        <source>p-values: two-sided normal p-values of the analytic z-scores.</source>
        <translation>p 值：解析 z 得分的双侧正态 p 值。</translation>
    </message>
    <message>
        <source>With FDR, {r} permutations cannot reach the 99% level here: the smallest p they can give ({p}) is above the corrected critical p. Use more permutations (for example {more}) to separate the 99% hot and cold spots.</source>
        <translation>启用 FDR 时，{r} 次置换在这里达不到 99% 置信度：它们能给出的最小 p 值（{p}）高于校正后的临界 p 值。如需区分 99% 置信度的热点和冷点，请增加置换次数（例如 {more} 次）。</translation>
    </message>
    <message>
        <source>FDR correction: critical p for 90% {p90}, 95% {p95}, 99% {p99}; for local Moran clusters {plisa}.</source>
        <translation>FDR 校正后的临界 p 值：90% 为 {p90}，95% 为 {p95}，99% 为 {p99}；局部莫兰聚类为 {plisa}。</translation>
    </message>
    <message>
        <source>Gi*: hot spots {h3} at 99%, {h2} at 95%, {h1} at 90%; cold spots {c3} at 99%, {c2} at 95%, {c1} at 90%; not significant {ns}.</source>
        <translation>Gi*：热点 99% 置信度 {h3} 个、95% {h2} 个、90% {h1} 个；冷点 99% {c3} 个、95% {c2} 个、90% {c1} 个；不显著 {ns} 个。</translation>
    </message>
    <message>
        <source>Local Moran: HH {hh}, LL {ll}, HL {hl}, LH {lh}, not significant {ns}.</source>
        <translation>局部莫兰指数：HH {hh} 个，LL {ll} 个，HL {hl} 个，LH {lh} 个，不显著 {ns} 个。</translation>
    </message>
    <message>
        <source>The layer holds {n} rounds (field “round”): the same township then appears once per round and would be its own neighbour. Analyse one round at a time (filter the layer, or aggregate a single round).</source>
        <translation>该图层包含 {n} 个轮次（字段“round”）：同一乡镇每个轮次出现一次，会与自己互为邻居。请每次只分析一个轮次（筛选图层，或只汇总一个轮次）。</translation>
    </message>
    <message>
        <source>Compound “{name}” is not in the name table; kept as written ({n} rows).</source>
        <translation>物质“{name}”不在名称表中，按原样保留（{n} 行）。</translation>
    </message>
    <message>
        <source>Sample type “{name}” is not known; kept as written, its kind taken from the unit ({n} rows).</source>
        <translation>样品类型“{name}”无法识别，按原样保留，水样或固体按单位判断（{n} 行）。</translation>
    </message>
    <message>
        <source>{n} rows give no unit: ng/L assumed for water and ng/g for solids.</source>
        <translation>{n} 行没有单位：水样按 ng/L、固体按 ng/g 处理。</translation>
    </message>
    <message>
        <source>{n} rows give no sample type: sewage assumed.</source>
        <translation>{n} 行没有样品类型：按污水处理。</translation>
    </message>
    <message>
        <source>{n} values of 0 read as below the limit.</source>
        <translation>{n} 个数值为 0，按低于检出限处理。</translation>
    </message>
    <message>
        <source>{n} rows took their coordinates from the sites table.</source>
        <translation>{n} 行的坐标取自点位表。</translation>
    </message>
    <message>
        <source>Coordinates converted from {datum} to WGS84.</source>
        <translation>坐标已由 {datum} 转换为 WGS84。</translation>
    </message>
    <message>
        <source>The coordinates are projected ({crs}); DATUM is ignored.</source>
        <translation>坐标为投影坐标（{crs}），忽略 DATUM 参数。</translation>
    </message>
    <message>
        <source>Rows read: {read}; imported: {ok}; rejected: {bad}.</source>
        <translation>读取 {read} 行；导入 {ok} 行；拒绝 {bad} 行。</translation>
    </message>
    <message>
        <source>Import lab results</source>
        <translation>导入检测结果</translation>
    </message>
    <message>
        <source>Reads a lab's results table (CSV in UTF-8, UTF-8 with BOM, GBK or GB18030, or XLSX or ODS) and writes one point per sample × compound. The encoding is detected and reported in the log.

Layout: long (one row per sample × compound, with a compound column and a concentration column) or wide (one row per sample and one column per compound, headed by the compound's name, such as 甲基苯丙胺(ng/L)). LAYOUT=auto tells them apart from the header.

Headers may be in Chinese or English (采样点/点位/site, 经度/lon, 纬度/lat, 采样日期/date, 轮次/round, 物质/目标物/compound, 浓度/concentration, 单位/unit, 检出限/LOD, 样品类型/medium, 乡镇/镇/township). The advanced *_COLUMN parameters name a column explicitly and win over detection. Compound names and abbreviations in either language map to one canonical id (甲基苯丙胺, 冰毒, METH and MA → methamphetamine); unknown names are kept as written and listed in the log.

Units: ng/L, µg/L, mg/L, ng/mL and pg/mL for water become ng/L; ng/g, µg/kg and mg/kg for solids become ng/g. A unit may sit in a unit column, in the header (浓度(μg/L)), or in UNIT for the whole table; with none, ng/L (water) or ng/g (solids) is assumed and logged. Population-normalised loads (mg/day/1000 inh, as EMCDDA publishes) keep their own unit.

Non-detects (&lt;LOD, &lt;LOQ, &lt;0.5, ND, n.d., 未检出, 低于检出限) get detected = false, concentration NULL, the limit in lod when the lab gave one, and the cell as written in raw_value. An empty cell means missing, not zero, and is rejected. ZERO_IS_NONDETECT reads 0 as below the limit (EMCDDA data). How non-detects enter statistics is chosen later, by the non-detect policy of each analysis (default LOD/2).

Dates: ISO, 2018/9/7, 2018年9月7日, 20180907 or an Excel serial number. The round comes from a round column (2024Q3, 2024年第三季度, or a year), or else from the date's quarter.

Coordinates: decimal degrees or DMS (23°01′30″N). DATUM says which datum they are in: WGS84, CGCS2000, or the Chinese web-map datums GCJ-02 (Gaode, Tencent) and BD-09 (Baidu), which are converted to WGS84 to about 1 mm of the published formula (GCJ-02) or tens of metres (BD-09). Projected coordinates: give their CRS; the output is then in that CRS. Rows without coordinates take them from SITES, a layer or table of sites matched by site id.

Every record not imported goes to REJECTED with the spreadsheet row (the header is row 1), the column and the reason: values that are not numbers, negative values, bad or missing coordinates, coordinates outside China for GCJ-02/BD-09, future dates, unknown units, and duplicates (same site, date, sample type and compound: DUPLICATES rejects every copy or keeps the first). ROWS_READ = ROWS_IMPORTED + ROWS_REJECTED always; in the wide layout they count values (sample × compound), not lines.

STORE (optional) appends the samples to a survey GeoPackage: importing the same file twice adds nothing, and a changed value for a stored sample is reported, not overwritten (results STORE_ADDED, STORE_UNCHANGED, STORE_CHANGED). STORE_CONNECTION appends to the shared PostGIS survey store (a saved PostgreSQL connection) instead, by the same rules.</source>
        <translation>读取化验室的检测结果表（CSV，编码可为 UTF-8、带 BOM 的 UTF-8、GBK 或 GB18030；也可为 XLSX 或 ODS），每个样品 × 每种物质输出一个点。编码自动识别，并写入日志。

表格格式：长表（每行一个样品 × 一种物质，有“物质”列和“浓度”列）或宽表（每行一个样品，每种物质一列，列名为物质名称，如 甲基苯丙胺(ng/L)）。LAYOUT 设为“按表头识别”时自动判断。

表头可用中文或英文（采样点/点位/site、经度/lon、纬度/lat、采样日期/date、轮次/round、物质/目标物/compound、浓度/concentration、单位/unit、检出限/LOD、样品类型/medium、乡镇/镇/township）。高级参数 *_COLUMN 可直接指定列，优先于自动识别。物质的中英文名称和缩写统一映射为一个标准代码（甲基苯丙胺、冰毒、METH、MA → methamphetamine）；无法识别的名称按原样保留，并在日志中列出。

单位：水样的 ng/L、µg/L、mg/L、ng/mL、pg/mL 统一换算为 ng/L；固体样品的 ng/g、µg/kg、mg/kg 统一换算为 ng/g。单位可写在单位列、表头（浓度(μg/L)）或 UNIT 参数中（对整张表有效）；都没有时，水样按 ng/L、固体按 ng/g 处理，并写入日志。人均负荷（如 EMCDDA 发布的 mg/day/1000 inh）保留其自身单位。

未检出（&lt;LOD、&lt;LOQ、&lt;0.5、ND、n.d.、未检出、低于检出限）记为 detected = false，浓度为空，化验室给出检出限时写入 lod，原文写入 raw_value。空单元格表示缺失而不是 0，该行不导入。ZERO_IS_NONDETECT 将 0 视为低于检出限（EMCDDA 数据）。未检出值如何参与统计，由各项分析的未检出处理方式决定（默认 LOD/2）。

日期：ISO 格式、2018/9/7、2018年9月7日、20180907 或 Excel 日期序号。轮次取自轮次列（2024Q3、2024年第三季度或年份），没有轮次列时按采样日期所在季度确定。

坐标：十进制度或度分秒（23°01′30″N）。DATUM 说明坐标所用的基准：WGS84、CGCS2000，或国内网络地图使用的 GCJ-02（高德、腾讯）和 BD-09（百度）；后两者会转换为 WGS84，相对公开公式的精度约 1 毫米（GCJ-02）或数十米（BD-09）。投影坐标：请指定其坐标系，输出即采用该坐标系。没有坐标的行，可按点位编号从 SITES（点位图层或表格）中取得坐标。

所有未导入的记录都写入 REJECTED，注明表格行号（表头为第 1 行）、列和原因：非数值、负值、坐标错误或缺失、使用 GCJ-02/BD-09 时坐标在中国境外、日期晚于今天、单位无法识别，以及重复记录（同一点位、日期、样品类型和物质：DUPLICATES 可选择全部拒绝或保留第一条）。始终满足 ROWS_READ = ROWS_IMPORTED + ROWS_REJECTED；宽表中按数值（样品 × 物质）计数，而不是按行计数。

STORE（可选）将样品追加到监测数据库 GeoPackage：同一文件导入两次不会重复添加；已存样品的数值有变化时只报告、不覆盖（结果 STORE_ADDED、STORE_UNCHANGED、STORE_CHANGED）。STORE_CONNECTION 则按同样规则追加到共享的 PostGIS 监测数据库（已保存的 PostgreSQL 连接）。</translation>
    </message>
    <message>
        <source>Strict reading: a number is read only when written as a sign, digits, one decimal point and an exponent (12.5, 1.2e3; full-width digits too), so 10², 5 10, 1_000, 1,000, ① and an Excel TRUE are rejected with the reason, never guessed. Also rejected: a row with more cells than the header, a date outside 1677–2262, a value that overflows once converted to ng/L, a detection limit that is not a number or is negative, a cell holding a NUL character; a compound column whose header carries an unknown unit (氯胺酮(ppm)) has every cell rejected as in an unknown unit. Values far above any published wastewater value (1 mg/L, 1 mg/g, 40,000 mg/day/1000) are imported with flag = implausible (the last field of the samples, NULL for every other sample) and listed in the log, as are exact zeros when ZERO_IS_NONDETECT is off. Rounds may be years, quarters or months (2024-07, 2024年7月). Population-normalised “cocaine” loads (EMCDDA) are labelled benzoylecgonine, the residue measured; cannabis is THC-COOH.

Outputs: every write is checked and the files are read back; a full disk or an unwritable folder is an error. CSV outputs put ' before text that a spreadsheet would run as a formula (=, +, -, @, tab); GeoPackage outputs keep the exact text. A canceled run removes its outputs and leaves the survey store unchanged.</source>
        <translation>严格读取：只有由正负号、数字、一个小数点和指数组成的写法（12.5、1.2e3；也可用全角数字）才读作数值，因此 10²、5 10、1_000、1,000、① 以及 Excel 的 TRUE 都会连同原因被拒收，绝不猜测。以下情况也会被拒收：单元格多于表头的行、1677–2262 年以外的日期、换算为 ng/L 后溢出的数值、不是数字或为负数的检出限、含 NUL 字符的单元格；表头带有未知单位的物质列（如 氯胺酮(ppm)）的每个单元格均按未知单位拒收。远高于任何已发表污水数据的数值（1 mg/L、1 mg/g、40,000 mg/天/千人）照常导入，其 flag 字段为 implausible（样品图层的最后一个字段，其余样品为 NULL），并在日志中列出；未开启 ZERO_IS_NONDETECT 时恰为 0 的数值也会列出。轮次可以是年、季度或月（2024-07、2024年7月）。人口归一化的“cocaine”负荷（EMCDDA）标记为实际测定的残留物苯甲酰爱康宁；大麻记为 THC-COOH。

输出：每次写入都会检查，写完后回读文件核对；磁盘已满或文件夹不可写均报错。CSV 输出中，电子表格会当作公式执行的文本（以 =、+、-、@、制表符开头）前加 '；GeoPackage 输出保留原文。取消的运行会删除已生成的输出，调查库保持不变。</translation>
    </message>
    <message>
        <source>Coordinates are projected, in this CRS (empty: degrees)</source>
        <translation>坐标为投影坐标，所用坐标系（留空：经纬度）</translation>
    </message>
    <message>
        <source>Sites layer or table, for rows without coordinates</source>
        <translation>点位图层或表格（用于没有坐标的行）</translation>
    </message>
    <message>
        <source>Site id field of the sites (empty: detect)</source>
        <translation>点位表中的点位编号字段（留空：自动识别）</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>表格格式</translation>
    </message>
    <message>
        <source>Detect from the header</source>
        <translation>按表头识别</translation>
    </message>
    <message>
        <source>Long: one row per sample × compound</source>
        <translation>长表：每行一个样品 × 一种物质</translation>
    </message>
    <message>
        <source>Wide: one column per compound</source>
        <translation>宽表：每种物质一列</translation>
    </message>
    <message>
        <source>Unit when the table gives none (for example µg/L)</source>
        <translation>表中未给出单位时使用的单位（如 µg/L）</translation>
    </message>
    <message>
        <source>A value of 0 means below the limit (as in EMCDDA data)</source>
        <translation>数值 0 表示低于检出限（如 EMCDDA 数据）</translation>
    </message>
    <message>
        <source>Duplicate rows (same site, date, sample type and compound)</source>
        <translation>重复行（同一点位、日期、样品类型和物质）</translation>
    </message>
    <message>
        <source>Reject every copy</source>
        <translation>全部拒绝</translation>
    </message>
    <message>
        <source>Keep the first, reject the rest</source>
        <translation>保留第一条，其余拒绝</translation>
    </message>
    <message>
        <source>Extra compound name table (CSV with columns canonical, alias)</source>
        <translation>补充物质名称表（CSV，列为 canonical、alias）</translation>
    </message>
    <message>
        <source>Column holding the {role} (empty: detect from the header)</source>
        <translation>{role}所在的列（留空：按表头识别）</translation>
    </message>
    <message>
        <source>Survey store to append to (GeoPackage)</source>
        <translation>追加到监测数据库（GeoPackage）</translation>
    </message>
    <message>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <source>Or append to the shared survey store (PostgreSQL connection)</source>
        <translation>或追加到共享监测数据库（PostgreSQL 连接）</translation>
    </message>
    <message>
        <source>Rows read</source>
        <translation>读取行数</translation>
    </message>
    <message>
        <source>Rows imported</source>
        <translation>导入行数</translation>
    </message>
    <message>
        <source>Rows rejected</source>
        <translation>拒绝行数</translation>
    </message>
    <message>
        <source>Samples added to the store</source>
        <translation>新增入库样品数</translation>
    </message>
    <message>
        <source>Samples already in the store</source>
        <translation>库中已有且未变的样品数</translation>
    </message>
    <message>
        <source>Samples whose stored value differs</source>
        <translation>与库中数值不一致的样品数</translation>
    </message>
    <message>
        <source>The sites layer has no site id field. Choose it in “Site id field of the sites”. Fields: {fields}.</source>
        <translation>点位图层中没有点位编号字段。请在“点位表中的点位编号字段”中选择。现有字段：{fields}。</translation>
    </message>
    <message>
        <source>The sites layer has no field “{field}” (given as its site id field). Fields: {fields}.</source>
        <translation>点位图层没有字段“{field}”（被指定为点位编号字段）。现有字段：{fields}。</translation>
    </message>
    <message>
        <source>The sites table has neither point geometry nor longitude and latitude fields. Fields: {fields}.</source>
        <translation>点位表既没有点几何，也没有经度、纬度字段。现有字段：{fields}。</translation>
    </message>
    <message>
        <source>Sites table: {n} sites with coordinates.</source>
        <translation>点位表：{n} 个点位有坐标。</translation>
    </message>
    <message>
        <source>The CRS {crs} is geographic; leave the CRS empty for coordinates in degrees and use DATUM.</source>
        <translation>坐标系 {crs} 是地理坐标系；经纬度坐标请将坐标系留空，并用 DATUM 指定基准。</translation>
    </message>
    <message>
        <source>The compound name table “{path}” cannot be read: {error}</source>
        <translation>无法读取物质名称表“{path}”：{error}</translation>
    </message>
    <message>
        <source>Choose one survey store: a GeoPackage (STORE) or a PostgreSQL connection (STORE_CONNECTION), not both.</source>
        <translation>监测数据库只能选一个：GeoPackage（STORE）或 PostgreSQL 连接（STORE_CONNECTION），不能同时指定。</translation>
    </message>
    <message>
        <source>Read “{file}” ({described}): {n} lines including the header.</source>
        <translation>已读取“{file}”（{described}）：共 {n} 行（含表头）。</translation>
    </message>
    <message>
        <source>Columns used: {columns}</source>
        <translation>使用的列：{columns}</translation>
    </message>
    <message>
        <source>Wide layout: {k} compound columns ({names}) × {n} lines = {records} values.</source>
        <translation>宽表：{k} 个物质列（{names}）× {n} 行 = {records} 个数值。</translation>
    </message>
    <message>
        <source>Columns not used: {columns}</source>
        <translation>未使用的列：{columns}</translation>
    </message>
    <message>
        <source>Canceled: the outputs made so far were removed, and no survey store was changed.</source>
        <translation>已取消：已生成的输出已删除，调查库未作任何改动。</translation>
    </message>
    <message>
        <source>{n} values are exactly 0 in a population-normalised load unit (mg/day/1000), as EMCDDA writes values below the limit of quantification; they were imported as measured zeros. If 0 means below the limit here, run again with “A value of 0 means below the limit” (ZERO_IS_NONDETECT) on.</source>
        <translation>有 {n} 个人口归一化负荷（mg/天/千人）数值恰为 0——EMCDDA 用 0 表示低于定量限；这些值已按实测的 0 导入。如果这里的 0 表示低于检出限，请开启“数值 0 表示低于检出限”（ZERO_IS_NONDETECT）后重新运行。</translation>
    </message>
    <message>
        <source>{n} concentrations are exactly 0 and were imported as measured zeros. A lab usually writes a value below its limit as &lt;LOD or ND; if 0 means that here, run again with ZERO_IS_NONDETECT on.</source>
        <translation>有 {n} 个浓度恰为 0，已按实测的 0 导入。实验室通常把低于检出限的结果写作 &lt;LOD 或 ND；如果这里的 0 是这个意思，请开启 ZERO_IS_NONDETECT 后重新运行。</translation>
    </message>
    <message>
        <source>{n} “cocaine” loads (mg/day/1000) were labelled benzoylecgonine: EMCDDA's cocaine loads are of benzoylecgonine, the residue measured, and back-calculation looks its factors up by residue.</source>
        <translation>{n} 条“cocaine”负荷（mg/天/千人）已标记为苯甲酰爱康宁：EMCDDA 的可卡因负荷是按实际测定的残留物苯甲酰爱康宁给出的，反推计算按残留物查找校正系数。</translation>
    </message>
    <message>
        <source>{n} values are far above any published wastewater value and were imported with flag = implausible in the samples (NULL for every other sample), listed here: check them with the lab (bounds: 1,000,000 ng/L, over 1,000× the highest Chinese city value; 1,000,000 ng/g; 40,000 mg/day/1000, 10× the highest EMCDDA 2011–2022 day).</source>
        <translation>有 {n} 个数值远高于任何已发表的污水数据，已导入，样品的 flag 字段为 implausible（其余样品为 NULL），在此列出：请与实验室核实（上限：1,000,000 ng/L，超过中国城市最高值的 1,000 倍；1,000,000 ng/g；40,000 mg/天/千人，为 EMCDDA 2011–2022 年单日最高值的 10 倍）。</translation>
    </message>
    <message>
        <source>Row {row}: {compound} {value:g} {unit} (above {bound:g} {unit}).</source>
        <translation>第 {row} 行：{compound} {value:g} {unit}（高于 {bound:g} {unit}）。</translation>
    </message>
    <message>
        <source>yearly</source>
        <translation>按年</translation>
    </message>
    <message>
        <source>quarterly</source>
        <translation>按季度</translation>
    </message>
    <message>
        <source>monthly</source>
        <translation>按月</translation>
    </message>
    <message>
        <source>The rounds mix kinds ({kinds}): trends and other analyses place one kind of round in time and refuse a series that mixes them. Rows without a round take the quarter of their date; give every row a round of one kind (for example 2024-07 for monthly sampling).</source>
        <translation>轮次混合了不同类型（{kinds}）：趋势等分析只能把同一类型的轮次排在时间轴上，会拒绝混合的序列。没有轮次的行取其采样日期所在的季度；请给每一行填写同一类型的轮次（例如按月采样写 2024-07）。</translation>
    </message>
    <message>
        <source>{n} duplicate groups had copies with different values; the first copy of each was kept (DUPLICATES). The rejected table names the row kept for every copy left out.</source>
        <translation>有 {n} 组重复记录的数值互不相同；每组保留了第一条（DUPLICATES）。拒收表中对每条被舍弃的记录都注明了所保留的行。</translation>
    </message>
    <message>
        <source>Canceled while appending to the survey store “{path}”: the store is unchanged.</source>
        <translation>向调查库“{path}”追加时已取消：调查库未改动。</translation>
    </message>
    <message>
        <source>Survey store “{path}”: {added} samples added, {same} already there unchanged, {changed} with a different value.</source>
        <translation>监测数据库“{path}”：新增 {added} 个样品，{same} 个已存在且未变，{changed} 个数值不一致。</translation>
    </message>
    <message>
        <source>Stored value kept for site {site}, {date} ({round}), {compound}: the store holds “{old}”, this file says “{new}”. Correct the store by hand if the new value is right.</source>
        <translation>点位 {site}、{date}（{round}）、{compound} 保留库中原值：库中为“{old}”，本文件为“{new}”。如新值正确，请手工更正数据库。</translation>
    </message>
    <message>
        <source>The layer “{layer}” has {n} usable values in “{field}”; interpolation needs at least {minimum}.</source>
        <translation>图层“{layer}”中字段“{field}”只有 {n} 个可用值；插值至少需要 {minimum} 个。</translation>
    </message>
    <message>
        <source>The values of “{field}” in “{layer}” sit at only {n} distinct places; interpolation needs at least {minimum}.</source>
        <translation>图层“{layer}”中字段“{field}”的值只落在 {n} 个不同位置；插值至少需要 {minimum} 个。</translation>
    </message>
    <message>
        <source>Every usable value of “{field}” in “{layer}” equals {value} ({n} points): there is no variation to interpolate. Check the field, the compound and the round.</source>
        <translation>图层“{layer}”中字段“{field}”的所有可用值都等于 {value}（{n} 个点）：没有变化可插值。请检查字段、目标物和轮次。</translation>
    </message>
    <message>
        <source>A pixel size this small makes {ncols} × {nrows} = {cells} cells, more than the limit of {limit}. Use a larger pixel size or a smaller extent.</source>
        <translation>这个像元大小会生成 {ncols} × {nrows} = {cells} 个像元，超过上限 {limit}。请加大像元大小或缩小范围。</translation>
    </message>
    <message>
        <source>The pixel size must be greater than 0.</source>
        <translation>像元大小必须大于 0。</translation>
    </message>
    <message>
        <source>The extent has no area (width {width}, height {height}).</source>
        <translation>范围没有面积（宽 {width}，高 {height}）。</translation>
    </message>
    <message>
        <source>The empirical variogram has fewer than 2 distance classes with pairs: the variogram cannot be fitted.</source>
        <translation>经验变异函数中有点对的距离分组少于 2 个：无法拟合变异函数。</translation>
    </message>
    <message>
        <source>Kriging {n} points with every point in one system needs {n} × {n} matrices (more than {limit} points is refused). Set NEIGHBORS, for example 32.</source>
        <translation>把 {n} 个点全部放进一个克里金方程组需要 {n} × {n} 的矩阵（超过 {limit} 个点不予计算）。请设置 NEIGHBORS，例如 32。</translation>
    </message>
    <message>
        <source>The kriging system of {n} points is singular: give a nugget above 0, or check for duplicated points.</source>
        <translation>{n} 个点的克里金方程组是奇异的：请给出大于 0 的块金值，或检查是否有重复点。</translation>
    </message>
    <message>
        <source>Could not create the raster “{path}”.</source>
        <translation>无法创建栅格“{path}”。</translation>
    </message>
    <message>
        <source>Interpolate a surface (IDW or kriging)</source>
        <translation>插值生成浓度面（IDW 或克里金）</translation>
    </message>
    <message>
        <source>Interpolates a numeric field of sample points (for example the concentration written by “Import lab results”) onto a raster, by inverse distance weighting (IDW) or ordinary kriging, and writes a leave-one-out cross-validation table.

IDW: weights 1/distance^POWER over the NEIGHBORS nearest points (0 = all points) within RADIUS (0 = unlimited). With NEIGHBORS = 0 and RADIUS = 0 it is global IDW and gives the same surface as QGIS's “IDW interpolation” on the same EXTENT and PIXEL_SIZE (the same grid: columns = ⌈width / pixel size⌉, the extent kept exactly, values at cell centres). Global IDW with power 2 uses GDAL's fast single-precision grid (about 1e-4 relative); tick “exact” for double precision. “Choose the power by cross-validation” tries powers 0.5 to 5 and keeps the one with the smallest leave-one-out RMSE.

Ordinary kriging: VARIOGRAM spherical, exponential, gaussian or linear, with NUGGET, SILL (the total sill, nugget included) and RANGE in map units, as pykrige defines them; any left empty is fitted by weighted least squares to the empirical variogram (12 distance classes up to half the extent's diagonal; at most 2,000 points, a fixed subsample above that). The linear model is pykrige's: nugget + (SILL − NUGGET)/RANGE × distance. The fitted values go to the log. VARIANCE receives the kriging variance. With NEIGHBORS = 0 every point enters one system; its variance costs O(points²) per cell, so with thousands of points set NEIGHBORS (for example 32). For kriging, RADIUS limits the NEIGHBORS search; with NEIGHBORS = 0 it only leaves cells with no point in reach as NoData.

Log transform: concentrations are lognormal, so the surface can be made on ln(value) and transformed back without bias: kriging by exp(ŷ + σ²/2 − μ) (lognormal ordinary kriging, μ the Lagrange multiplier), IDW by exp(ŷ) times Duan's smearing factor from the leave-one-out residuals. Every value must then be above 0 (use LOD/2 for non-detects); the VARIANCE raster is then the variance of ln(value).

Samples: when the layer has the import's fields, COMPOUND and ROUND choose the samples (a layer with several compounds needs COMPOUND), and non-detects enter through the shared substitution policy. NULL values and empty geometries are left out and counted. Points at the same place (a site sampled in several rounds) are merged into one point with their mean value, and counted in the log.

MASK (for example the townships) leaves cells whose centre lies outside its polygons as NoData. The output raster carries a colour ramp saved beside it (.qml). Points in a geographic CRS are interpolated in degrees, with a warning: project them first. More than 100 million cells is refused.

</source>
        <translation>把采样点的数值字段（例如“导入化验结果”写出的 concentration）插值到栅格上，方法为反距离加权（IDW）或普通克里金，并写出留一交叉验证表。

IDW：权重为 1/距离^POWER，取 RADIUS（0 = 不限）范围内最近的 NEIGHBORS 个点（0 = 全部点）。NEIGHBORS = 0 且 RADIUS = 0 时为全局 IDW，在相同的 EXTENT 和 PIXEL_SIZE 下与 QGIS 自带的“IDW 插值”结果相同（相同网格：列数 = ⌈宽 / 像元大小⌉，范围保持不变，在像元中心取值）。幂为 2 的全局 IDW 使用 GDAL 的快速单精度网格（相对误差约 1e-4）；勾选“精确”则用双精度。“用交叉验证选择 IDW 幂指数”会试 0.5 到 5 的幂，保留留一 RMSE 最小的一个。

普通克里金：VARIOGRAM 可选球状、指数、高斯或线性模型，参数 NUGGET（块金）、SILL（含块金的总基台值）和 RANGE（变程，地图单位），定义与 pykrige 相同；留空的参数按加权最小二乘拟合经验变异函数（12 个距离分组，最大到范围对角线的一半；最多 2,000 个点，超过时固定抽样）。线性模型与 pykrige 相同：块金 + (SILL − NUGGET)/RANGE × 距离。拟合值写入日志。VARIANCE 输出克里金方差。NEIGHBORS = 0 时所有点进入一个方程组，方差的计算量按每像元 O(点数²) 增长，因此点数上千时请设置 NEIGHBORS（例如 32）。对克里金而言，RADIUS 限制 NEIGHBORS 的搜索；NEIGHBORS = 0 时它只把可达范围内没有点的像元设为无值。

对数变换：浓度呈对数正态分布，因此可以对 ln(值) 插值，再无偏地反变换回来：克里金用 exp(ŷ + σ²/2 − μ)（对数正态普通克里金，μ 为拉格朗日乘数），IDW 用 exp(ŷ) 乘以由留一残差算出的 Duan 拖尾修正系数。此时所有值必须大于 0（未检出请按 LOD/2 计）；VARIANCE 栅格则是 ln(值) 的方差。

样品：图层含导入结果的字段时，由 COMPOUND 和 ROUND 选择样品（含多种目标物的图层必须指定 COMPOUND），未检出按统一的替代规则计入。空值和空几何会被略去并计数。位置相同的点（同一采样点的多个轮次）合并为一个点，取平均值，并在日志中计数。

MASK（例如乡镇边界）把像元中心落在其面之外的像元设为无值。输出栅格附带保存在旁边的色带样式（.qml）。地理坐标系中的点以度为单位插值，并给出警告：请先投影。超过 1 亿个像元会被拒绝。

</translation>
    </message>
    <message>
        <source>Sample points</source>
        <translation>采样点</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Inverse distance weighting (IDW)</source>
        <translation>反距离加权（IDW）</translation>
    </message>
    <message>
        <source>Ordinary kriging</source>
        <translation>普通克里金</translation>
    </message>
    <message>
        <source>IDW power</source>
        <translation>IDW 幂指数</translation>
    </message>
    <message>
        <source>Choose the IDW power by cross-validation</source>
        <translation>用交叉验证选择 IDW 幂指数</translation>
    </message>
    <message>
        <source>Nearest points used (0 = all)</source>
        <translation>参与计算的最近点数（0 = 全部）</translation>
    </message>
    <message>
        <source>Search radius in map units (0 = unlimited)</source>
        <translation>搜索半径，地图单位（0 = 不限）</translation>
    </message>
    <message>
        <source>Variogram model (kriging)</source>
        <translation>变异函数模型（克里金）</translation>
    </message>
    <message>
        <source>Spherical</source>
        <translation>球状</translation>
    </message>
    <message>
        <source>Exponential</source>
        <translation>指数</translation>
    </message>
    <message>
        <source>Gaussian</source>
        <translation>高斯</translation>
    </message>
    <message>
        <source>Linear</source>
        <translation>线性</translation>
    </message>
    <message>
        <source>Nugget (empty: fitted)</source>
        <translation>块金值（留空：拟合）</translation>
    </message>
    <message>
        <source>Sill, nugget included (empty: fitted)</source>
        <translation>基台值，含块金（留空：拟合）</translation>
    </message>
    <message>
        <source>Range in map units (empty: fitted)</source>
        <translation>变程，地图单位（留空：拟合）</translation>
    </message>
    <message>
        <source>Interpolate the logarithm (lognormal values)</source>
        <translation>对数变换后插值（对数正态分布的值）</translation>
    </message>
    <message>
        <source>Extent (empty: the points' extent)</source>
        <translation>范围（留空：采样点的范围）</translation>
    </message>
    <message>
        <source>Pixel size in map units (0: the longer side ÷ 500)</source>
        <translation>像元大小，地图单位（0：长边 ÷ 500）</translation>
    </message>
    <message>
        <source>Mask polygons (for example the townships)</source>
        <translation>掩膜面（例如乡镇边界）</translation>
    </message>
    <message>
        <source>Compound (when the layer holds several)</source>
        <translation>目标物（图层含多种目标物时）</translation>
    </message>
    <message>
        <source>Exact: double precision also for global IDW with power 2</source>
        <translation>精确：全局 IDW 幂为 2 时也用双精度计算</translation>
    </message>
    <message>
        <source>Interpolated surface</source>
        <translation>插值浓度面</translation>
    </message>
    <message>
        <source>Kriging variance</source>
        <translation>克里金方差</translation>
    </message>
    <message>
        <source>Leave-one-out cross-validation</source>
        <translation>留一交叉验证</translation>
    </message>
    <message>
        <source>Points used</source>
        <translation>使用的点数</translation>
    </message>
    <message>
        <source>Cross-validation mean error</source>
        <translation>交叉验证平均误差</translation>
    </message>
    <message>
        <source>Cross-validation mean absolute error</source>
        <translation>交叉验证平均绝对误差</translation>
    </message>
    <message>
        <source>Cross-validation root mean square error</source>
        <translation>交叉验证均方根误差</translation>
    </message>
    <message>
        <source>IDW power used</source>
        <translation>使用的 IDW 幂指数</translation>
    </message>
    <message>
        <source>Nugget used</source>
        <translation>使用的块金值</translation>
    </message>
    <message>
        <source>Sill used</source>
        <translation>使用的基台值</translation>
    </message>
    <message>
        <source>Range used</source>
        <translation>使用的变程</translation>
    </message>
    <message>
        <source>Cells without a value</source>
        <translation>无值像元数</translation>
    </message>
    <message>
        <source>{n} features have no geometry and are left out.</source>
        <translation>{n} 个要素没有几何，已略去。</translation>
    </message>
    <message>
        <source>{n} non-detects enter through the substitution policy.</source>
        <translation>{n} 个未检出样品按替代规则计入。</translation>
    </message>
    <message>
        <source>{n} points have no usable value in “{field}” (NULL, or an excluded non-detect) and are left out.</source>
        <translation>{n} 个点在“{field}”中没有可用值（空值，或被排除的未检出），已略去。</translation>
    </message>
    <message>
        <source>The sample layer “{layer}” is not a point layer.</source>
        <translation>样品图层“{layer}”不是点图层。</translation>
    </message>
    <message>
        <source>The points of “{layer}” are in a geographic CRS ({crs}): distances, RADIUS, RANGE and PIXEL_SIZE are in degrees, and a degree of longitude is shorter than a degree of latitude. Reproject the points to a projected CRS (for example CGCS2000 / 3-degree Gauss-Kruger) first.</source>
        <translation>图层“{layer}”的点位于地理坐标系（{crs}）：距离、RADIUS、RANGE 和 PIXEL_SIZE 都以度为单位，而且一度经度比一度纬度短。请先把点投影到投影坐标系（例如 CGCS2000 / 3 度高斯-克吕格）。</translation>
    </message>
    <message>
        <source>{n} points share their place with another point; each place enters once, with the mean value. Choose a ROUND to map one round.</source>
        <translation>{n} 个点与其他点位置相同；每个位置只计一次，取平均值。如需只绘一个轮次，请选择 ROUND。</translation>
    </message>
    <message>
        <source>The log transform needs values above 0, but {n} values of “{field}” in “{layer}” are 0 or less (smallest {smallest}). Count non-detects as LOD/2, or untick the log transform.</source>
        <translation>对数变换要求值大于 0，但图层“{layer}”中字段“{field}”有 {n} 个值小于或等于 0（最小 {smallest}）。请把未检出按 LOD/2 计，或取消对数变换。</translation>
    </message>
    <message>
        <source>{n} cells have no point within the search radius and are NoData.</source>
        <translation>{n} 个像元在搜索半径内没有点，设为无值。</translation>
    </message>
    <message>
        <source>Pixel size: {pixel:.6g} map units (the longer side ÷ 500).</source>
        <translation>像元大小：{pixel:.6g} 地图单位（长边 ÷ 500）。</translation>
    </message>
    <message>
        <source>Grid: {ncols} × {nrows} cells of {dx:.6g} × {dy:.6g} map units.</source>
        <translation>网格：{ncols} × {nrows} 个像元，每个 {dx:.6g} × {dy:.6g} 地图单位。</translation>
    </message>
    <message>
        <source>{n} points lie outside the extent; they still take part in the interpolation.</source>
        <translation>{n} 个点位于范围之外；它们仍参与插值。</translation>
    </message>
    <message>
        <source>Choosing the IDW power by leave-one-out cross-validation…</source>
        <translation>正在用留一交叉验证选择 IDW 幂指数…</translation>
    </message>
    <message>
        <source>Interpolating by IDW…</source>
        <translation>正在做 IDW 插值…</translation>
    </message>
    <message>
        <source>  power {power}: leave-one-out RMSE {rmse:.6g}</source>
        <translation>  幂指数 {power}：留一 RMSE {rmse:.6g}</translation>
    </message>
    <message>
        <source>Power chosen by cross-validation: {power}.</source>
        <translation>交叉验证选出的幂指数：{power}。</translation>
    </message>
    <message>
        <source>Back-transform: exp(surface) × smearing factor {factor:.6g}.</source>
        <translation>反变换：exp(插值面) × 拖尾修正系数 {factor:.6g}。</translation>
    </message>
    <message>
        <source>Kriging {n} points in one system: the variance costs O(points²) per cell. Set NEIGHBORS (for example 32) to go faster.</source>
        <translation>{n} 个点放在一个克里金方程组中：方差的计算量按每像元 O(点数²) 增长。设置 NEIGHBORS（例如 32）可加快速度。</translation>
    </message>
    <message>
        <source>Interpolating by ordinary kriging…</source>
        <translation>正在做普通克里金插值…</translation>
    </message>
    <message>
        <source>No cell centre lies inside the mask polygons: the surface is empty. Check the mask layer and the extent.</source>
        <translation>没有像元中心落在掩膜面内：结果为空。请检查掩膜图层和范围。</translation>
    </message>
    <message>
        <source>Mask: {n} of {total} cells lie outside the mask polygons and are NoData.</source>
        <translation>掩膜：{total} 个像元中有 {n} 个位于掩膜面之外，设为无值。</translation>
    </message>
    <message>
        <source>The variance raster comes only with kriging; it is not written for IDW.</source>
        <translation>方差栅格只随克里金输出；IDW 不写出方差栅格。</translation>
    </message>
    <message>
        <source>The variance raster holds the kriging variance of ln(value).</source>
        <translation>方差栅格保存的是 ln(值) 的克里金方差。</translation>
    </message>
    <message>
        <source>Leave-one-out cross-validation over {n} points: mean error {me:.6g}, MAE {mae:.6g}, RMSE {rmse:.6g} (in the units of “{field}”).</source>
        <translation>对 {n} 个点做留一交叉验证：平均误差 {me:.6g}，MAE {mae:.6g}，RMSE {rmse:.6g}（单位同“{field}”）。</translation>
    </message>
    <message>
        <source>{n} points had no other point in reach and have no cross-validation value.</source>
        <translation>{n} 个点在可达范围内没有其他点，没有交叉验证值。</translation>
    </message>
    <message>
        <source>The sill ({sill}) is the total sill, nugget included: it cannot be below the nugget ({nugget}).</source>
        <translation>基台值（{sill}）是含块金的总基台值：不能小于块金值（{nugget}）。</translation>
    </message>
    <message>
        <source>The range must be greater than 0.</source>
        <translation>变程必须大于 0。</translation>
    </message>
    <message>
        <source>Variogram ({model}) as given: nugget {nugget:.6g}, sill {sill:.6g}, range {range:.6g}.</source>
        <translation>变异函数（{model}）按给定值：块金 {nugget:.6g}，基台 {sill:.6g}，变程 {range:.6g}。</translation>
    </message>
    <message>
        <source>The empirical variogram uses a fixed subsample of {n} of the {total} points.</source>
        <translation>经验变异函数使用 {total} 个点中固定抽取的 {n} 个点。</translation>
    </message>
    <message>
        <source>Variogram ({model}) fitted to {bins} distance classes: nugget {nugget:.6g}, sill {sill:.6g}, range {range:.6g}.</source>
        <translation>变异函数（{model}）按 {bins} 个距离分组拟合：块金 {nugget:.6g}，基台 {sill:.6g}，变程 {range:.6g}。</translation>
    </message>
    <message>
        <source>The fitted variogram is a pure nugget: the sample shows no spatial structure, and the surface is nearly flat.</source>
        <translation>拟合出的变异函数是纯块金：样品没有空间结构，插值面几乎是平的。</translation>
    </message>
    <message>
        <source>Panel (sampled every round)</source>
        <translation>定点（每轮都采样）</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>覆盖</translation>
    </message>
    <message>
        <source>Follow-up of a hot sample</source>
        <translation>高值样品追踪</translation>
    </message>
    <message>
        <source>Panel</source>
        <translation>定点</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>追踪</translation>
    </message>
    <message>
        <source>Plan the next sampling round</source>
        <translation>规划下一轮采样点</translation>
    </message>
    <message>
        <source>Proposes where to sample next round, so that trends stay comparable, every township is covered evenly, and the search for a source narrows round by round. Each proposed point has a reason:

• panel: a site sampled in every earlier round (SAMPLES with the field “round”; without it, every site). KEEP_PANEL keeps them at their own place, so that the trend of a site compares like with like.
• coverage: each township is filled up to POINTS_PER_TOWNSHIP (panel points count). With a NETWORK the points cover the township's lines: first as much of them as possible lies upstream of some point, then the stretches between the points are made as equal in length (or in population, MEASURE) as possible. Without a network, or in a township with no lines, the points are spread over the township's area (or its population) by weighted k-means, and the covered share is the area (or population) within RADIUS metres of a point. The log gives each township's covered share.
• follow_up: a sample is hot when its value ≥ THRESHOLD in its latest round (the highest value of the site in that round; choose COMPOUND when the layer holds several). Above each hot sample with no hot sample upstream, the suspected stretch is the network draining to it, minus every branch draining to a clean sample. FOLLOW_UP points are placed on it (snapped to the lines) so that they cut it into parts of equal length (or population): whatever the results, the stretch that can still hold the source shrinks to the largest part, a third with 2 points where the shape of the network allows it (the log gives the share). No point lands downstream of the hot sample or in a branch shown clean. Follow-up points come on top of the township's budget. A hot sample farther than SNAP_DISTANCE from every line, or with no line upstream, gets its follow-up points on a half circle of RADIUS metres facing away from the nearest clean sample, and the log says so.

Network: lines with directions as in “Trace the source along the drainage network” (digitising direction, or DIRECTION_FIELD with forward, backward or both). A network where every line is “both” has no direction: the plan then falls back to area coverage and distance follow-up, and the log says that tracing needs a network with directions.

POPULATION: points with a count (POPULATION_FIELD) or a raster of people per cell; each person is counted on the nearest line.

OUTPUT: points with township, reason, site_id, hot_site (for follow-up points), upstream_length_m (all network upstream of the point), upstream_population, lon and lat (WGS84) and lon_gcj02 and lat_gcj02 (GCJ-02, for the field team's phone maps: Amap/Gaode and Tencent maps use it). FIELD_SHEET (optional): the points by township and reason, as a .csv (opens in Excel) or a printable .pdf.</source>
        <translation>提出下一轮的采样位置，使趋势保持可比、各乡镇覆盖均匀，并让溯源排查一轮比一轮缩小范围。每个建议点位都有一个原因：

• panel（定点）：以往每一轮都采过样的点位（SAMPLES 含 “round” 字段；没有该字段时，所有点位都算）。勾选 KEEP_PANEL 时保留在原位，使点位趋势前后可比。
• coverage（覆盖）：每个乡镇补足到 POINTS_PER_TOWNSHIP 个点（定点计入）。给出管网 NETWORK 时，点位覆盖乡镇内的管线：先让尽可能多的管线位于某个点的上游，再让点与点之间的管段长度（或人口，见 MEASURE）尽量相等。没有管网、或乡镇内没有管线时，按加权 k 均值把点分布在乡镇面积（或人口）上，覆盖比例为距某点 RADIUS 米以内的面积（或人口）占比。日志给出每个乡镇的覆盖比例。
• follow_up（追踪）：点位在最近一轮的值 ≥ THRESHOLD 即为高值（取该点位该轮的最高值；图层含多种目标物时请选择 COMPOUND）。对上游没有其他高值样品的每个高值样品，可疑管段是汇入它的管网，减去汇入任一低值样品的所有支线。FOLLOW_UP 个点放在可疑管段上（吸附到管线），把它切成长度（或人口）相等的几段：无论结果如何，仍可能藏有污染源的管段都缩小到最大的一段，在管网形状允许时用 2 个点即缩小到三分之一（日志给出比例）。不会有点落在高值样品下游或已证明干净的支线内。追踪点不占乡镇的点数预算。距所有管线超过 SNAP_DISTANCE 的高值样品、或上游没有管线的高值样品，其追踪点放在半径 RADIUS 米、背向最近低值样品的半圆上，日志会说明。

管网：线图层，流向规则与“沿排水管网追溯污染源”相同（数字化方向，或 DIRECTION_FIELD 取值 forward、backward 或 both）。所有管线都是 “both” 的管网没有流向：此时规划退回到按面积覆盖和按距离追踪，日志会说明溯源需要有流向的管网。

POPULATION：带人数字段（POPULATION_FIELD）的点，或每个像元人数的栅格；每个人计入最近的管线。

OUTPUT：点图层，字段 township、reason、site_id、hot_site（追踪点）、upstream_length_m（点上游的全部管线长度）、upstream_population、lon 和 lat（WGS84）以及 lon_gcj02 和 lat_gcj02（GCJ-02，供外业人员的手机地图使用：高德、腾讯地图采用此坐标）。FIELD_SHEET（可选）：按乡镇和原因列出点位的外业表，.csv（可用 Excel 打开）或可打印的 .pdf。</translation>
    </message>
    <message>
        <source>Drainage network (optional)</source>
        <translation>排水管网（可选）</translation>
    </message>
    <message>
        <source>Samples of the last rounds (optional)</source>
        <translation>最近几轮的样品（可选）</translation>
    </message>
    <message>
        <source>Threshold: a sample is hot when its value is ≥ this</source>
        <translation>阈值：样品值 ≥ 此值即为高值</translation>
    </message>
    <message>
        <source>Points per township</source>
        <translation>每个乡镇的点数</translation>
    </message>
    <message>
        <source>Keep the sites sampled in every round (panel)</source>
        <translation>保留每轮都采样的点位（定点）</translation>
    </message>
    <message>
        <source>Follow-up points for each suspected stretch</source>
        <translation>每段可疑管段的追踪点数</translation>
    </message>
    <message>
        <source>Population points (optional)</source>
        <translation>人口点（可选）</translation>
    </message>
    <message>
        <source>Population count field</source>
        <translation>人数字段</translation>
    </message>
    <message>
        <source>Population raster (optional)</source>
        <translation>人口栅格（可选）</translation>
    </message>
    <message>
        <source>Split and cover by</source>
        <translation>切分与覆盖依据</translation>
    </message>
    <message>
        <source>Network length (or area)</source>
        <translation>管网长度（或面积）</translation>
    </message>
    <message>
        <source>Population</source>
        <translation>人口</translation>
    </message>
    <message>
        <source>Radius a point stands for without a network (metres)</source>
        <translation>无管网时每个点代表的半径（米）</translation>
    </message>
    <message>
        <source>Sampling plan</source>
        <translation>采样规划</translation>
    </message>
    <message>
        <source>Field sheet (.csv or .pdf)</source>
        <translation>外业表（.csv 或 .pdf）</translation>
    </message>
    <message>
        <source>Panel points</source>
        <translation>定点数</translation>
    </message>
    <message>
        <source>Coverage points</source>
        <translation>覆盖点数</translation>
    </message>
    <message>
        <source>Follow-up points</source>
        <translation>追踪点数</translation>
    </message>
    <message>
        <source>Covered share of all townships</source>
        <translation>全部乡镇的覆盖比例</translation>
    </message>
    <message>
        <source>MEASURE is population, but no POPULATION points or raster with people were given.</source>
        <translation>MEASURE 选择了人口，但没有给出含人数的 POPULATION 点或栅格。</translation>
    </message>
    <message>
        <source>Placing follow-up points…</source>
        <translation>正在放置追踪点…</translation>
    </message>
    <message>
        <source>Covering the townships…</source>
        <translation>正在覆盖各乡镇…</translation>
    </message>
    <message>
        <source>The plan is empty: POINTS_PER_TOWNSHIP is 0 and there is no panel site or hot sample.</source>
        <translation>规划为空：POINTS_PER_TOWNSHIP 为 0，且没有定点或高值样品。</translation>
    </message>
    <message>
        <source>Field sheet written: {path}</source>
        <translation>外业表已写出：{path}</translation>
    </message>
    <message>
        <source>No network is given: coverage is by area (or population) and follow-up by distance. Tracing a source needs a network.</source>
        <translation>未给出管网：按面积（或人口）覆盖，按距离追踪。溯源需要管网。</translation>
    </message>
    <message>
        <source>The layer “{layer}” has no townships.</source>
        <translation>图层“{layer}”中没有乡镇。</translation>
    </message>
    <message>
        <source>Population points need a count field (POPULATION_FIELD) of the layer “{layer}”.</source>
        <translation>人口点需要图层“{layer}”的人数字段（POPULATION_FIELD）。</translation>
    </message>
    <message>
        <source>{n} population points with no count, a count ≤ 0 or no point are left out.</source>
        <translation>{n} 个人口点没有人数、人数 ≤ 0 或没有坐标，已剔除。</translation>
    </message>
    <message>
        <source>The samples have no field “site_id”: sites are told apart by their coordinates.</source>
        <translation>样品没有 “site_id” 字段：按坐标区分点位。</translation>
    </message>
    <message>
        <source>{n} samples have no point and are left out.</source>
        <translation>{n} 个样品没有点位，未使用。</translation>
    </message>
    <message>
        <source>{n} of {total} sites were sampled in every round ({rounds}): they form the panel.</source>
        <translation>{total} 个点位中有 {n} 个在每一轮（{rounds}）都采过样：它们作为定点。</translation>
    </message>
    <message>
        <source>The samples have no field “round”: every one of the {n} sites is kept as panel.</source>
        <translation>样品没有 “round” 字段：全部 {n} 个点位都保留为定点。</translation>
    </message>
    <message>
        <source>{hot} sites are hot (latest value ≥ {threshold}) and {clean} clean.</source>
        <translation>{hot} 个点位为高值（最近值 ≥ {threshold}），{clean} 个为低值。</translation>
    </message>
    <message>
        <source>No VALUE_FIELD is given: no sample can be hot, and no follow-up point is planned.</source>
        <translation>未指定 VALUE_FIELD：没有样品能判为高值，不规划追踪点。</translation>
    </message>
    <message>
        <source>The panel site {site} lies in no township; it is kept, with no township.</source>
        <translation>定点 {site} 不在任何乡镇内；保留该点，乡镇为空。</translation>
    </message>
    <message>
        <source>Follow-up points are placed {d} m around each hot sample: tracing the source upstream needs a network with directions.</source>
        <translation>追踪点放在每个高值样品周围 {d} 米处：向上游溯源需要有流向的管网。</translation>
    </message>
    <message>
        <source>The follow-up point {site} lies outside every township; it is kept, with no township.</source>
        <translation>追踪点 {site} 不在任何乡镇内；保留该点，乡镇为空。</translation>
    </message>
    <message>
        <source>Township {town}: {n} panel sites, more than the budget of {budget} points. All panel sites are kept (trends stay comparable) and no coverage point is added; raise POINTS_PER_TOWNSHIP or untick KEEP_PANEL to choose.</source>
        <translation>乡镇 {town}：有 {n} 个定点，超过 {budget} 个点的预算。保留全部定点（使趋势可比），不再增加覆盖点；如需取舍，请增大 POINTS_PER_TOWNSHIP 或取消勾选 KEEP_PANEL。</translation>
    </message>
    <message>
        <source>Township {town} has no line of the network: its points are spread over its area (or population).</source>
        <translation>乡镇 {town} 内没有管线：其点位按面积（或人口）分布。</translation>
    </message>
    <message>
        <source>Township {town}: {n} points ({panel} panel, {cov} coverage); {share}% {unit} is covered.</source>
        <translation>乡镇 {town}：{n} 个点（{panel} 个定点，{cov} 个覆盖点）；覆盖比例 {share}% {unit}。</translation>
    </message>
    <message>
        <source>Township {town} has no area: no coverage point.</source>
        <translation>乡镇 {town} 没有面积：不放覆盖点。</translation>
    </message>
    <message>
        <source>of its population within {d} m of a point</source>
        <translation>（距某点 {d} 米以内的人口）</translation>
    </message>
    <message>
        <source>of its area within {d} m of a point</source>
        <translation>（距某点 {d} 米以内的面积）</translation>
    </message>
    <message>
        <source>The hot sample {site} lies {d} m from the nearest line, farther than SNAP_DISTANCE ({snap} m): its follow-up points are placed by distance around it. Check its coordinates, or raise SNAP_DISTANCE.</source>
        <translation>高值样品 {site} 距最近管线 {d} 米，超过 SNAP_DISTANCE（{snap} 米）：其追踪点按距离放在它周围。请检查其坐标，或增大 SNAP_DISTANCE。</translation>
    </message>
    <message>
        <source>The hot sample {site} explains the hot result downstream at {down}.</source>
        <translation>高值样品 {site} 解释了下游 {down} 的高值结果。</translation>
    </message>
    <message>
        <source>No line that is not shown clean drains to the hot sample {site}: the source lies at the sample itself or the network upstream is missing. Its follow-up points are placed by distance around it.</source>
        <translation>没有未被证明干净的管线汇入高值样品 {site}：污染源就在采样点处，或上游管网缺失。其追踪点按距离放在它周围。</translation>
    </message>
    <message>
        <source>Nobody lives along the stretch above {site}: it is cut by length.</source>
        <translation>{site} 上游的管段沿线无人居住：按长度切分。</translation>
    </message>
    <message>
        <source>Stretch above {site}: {length} m of line can hold the source; {n} follow-up points cut it so that at most {share}% of it is left after the next results.</source>
        <translation>{site} 上游管段：{length} 米管线可能藏有污染源；{n} 个追踪点切分后，下一轮结果出来后最多剩下 {share}%。</translation>
    </message>
    <message>
        <source>Stretch above {site}: no number of follow-up points leaves at most a third of it: a loop or a line of unknown direction holds more than a third.</source>
        <translation>{site} 上游管段：无论布设多少个追踪点，都无法使剩余范围不超过三分之一：一处环路或一条方向未知的管线就占了三分之一以上。</translation>
    </message>
    <message>
        <source>Stretch above {site}: {n} follow-up points cannot leave at most a third of it (the branches there are too uneven); {needed} follow-up points would.</source>
        <translation>{site} 上游管段：{n} 个追踪点无法使剩余范围不超过三分之一（该处支管长短悬殊）；需要 {needed} 个追踪点才能做到。</translation>
    </message>
    <message>
        <source>Township {town}: nobody lives along its lines; it is covered by length.</source>
        <translation>乡镇 {town}：管线沿线无人居住；按长度覆盖。</translation>
    </message>
    <message>
        <source>of the population along its lines</source>
        <translation>（管线沿线人口）</translation>
    </message>
    <message>
        <source>of its network length</source>
        <translation>（管网长度）</translation>
    </message>
    <message>
        <source>The network “{layer}” has no lines.</source>
        <translation>管网“{layer}”中没有线。</translation>
    </message>
    <message>
        <source>Every line of the network “{layer}” has the direction “both”: the network has no direction. Tracing needs a network with directions; this plan falls back to coverage by area and follow-up by distance.</source>
        <translation>管网“{layer}”的每条线流向都是“both”：管网没有流向。溯源需要有流向的管网；本次规划退回到按面积覆盖和按距离追踪。</translation>
    </message>
    <message>
        <source>The population raster is read at {w} × {h} cells: each coarser cell takes the value of one finer cell, times the number of finer cells it spans.</source>
        <translation>人口栅格按 {w} × {h} 个像元读取：每个粗像元取一个细像元的值，乘以它所含的细像元数。</translation>
    </message>
    <message>
        <source>Survey report (HTML and PDF)</source>
        <translation>监测报告（HTML 和 PDF）</translation>
    </message>
    <message>
        <source>Writes a printable report of a survey round, as an HTML page and an A4 PDF, in the interface language: the severity map, a table of townships by class (samples, detected, mean, median, maximum), the changes since the last round and a trend chart, a methods section (classification, breaks, non-detect policy, and the caveat that a sewage sample stands for its catchment), and a data-quality section (rejected rows, samples outside every township, townships without samples).

INPUT is a severity layer such as “Survey map” writes. HISTORY (optional) is a layer with one feature per township × round, such as “Aggregate samples by township” with an empty round writes: it gives the changes and the trend chart. TREND (optional) is the output of “Trend over rounds”. REJECTED and UNMATCHED (optional) are the rejected rows and the samples in no township. HOTSPOTS (optional) is the output of “Hot spots”: its hot and cold spots are listed with the caveat that a Gi* hot spot is a high neighbourhood, not a high township. METHOD, BREAK_1, BREAK_2 and ND_POLICY describe how the layer was made; when the breaks are not given, the highest values of classes 1 and 2 are shown and marked as such.

ATLAS adds one map page per township, or one per round (drawn with this round's breaks, needs HISTORY). TEMPLATE is an optional print layout template (.qpt); the plugin ships one in resources/layouts/severity_map.qpt to copy and edit.

Units come from the data: the layer's unit field, else the import's unit for its medium (ng/L for water, ng/g for solids); they are printed in the legends, the tables' notes and the trend charts. The township name field is guessed from name-like fields when not given (name, 乡镇, 乡镇名称, XZMC, town_name…). Table rows never split across pages. The files are written to a temporary name and renamed into place when complete: a folder or a read-only file as output is refused.

Every value from the data is escaped, so text such as &amp;lt;script&amp;gt; in a lab sheet shows as text, and text in the printed maps (title, round, compound, township names) is printed as it is, never evaluated.</source>
        <translation>以界面语言输出一轮调查的可打印报告，包括 HTML 页面和 A4 PDF：严重程度分级图、各乡镇按等级列表（样品数、检出数、均值、中位数、最大值）、与上一轮相比的变化和趋势图、方法说明（分级方法、界值、未检出处理方式，以及污水样品代表其上游汇水区的说明）和数据质量（被拒绝的行、不在任何乡镇内的样品、没有样品的乡镇）。

INPUT 为“调查地图”等输出的严重程度图层。HISTORY（可选）为每个乡镇×轮次一个要素的图层，例如“按乡镇汇总样品”在轮次留空时的输出：用于变化和趋势图。TREND（可选）为“多轮趋势”的输出。REJECTED 和 UNMATCHED（可选）为被拒绝的行和不在任何乡镇内的样品。HOTSPOTS（可选）为“热点分析”的输出：列出其中的热点和冷点，并说明 Gi* 热点是高值邻域，而不是高值乡镇。METHOD、BREAK_1、BREAK_2 和 ND_POLICY 说明图层的生成方式；未给出界值时，显示第 1、2 级中的最大值并加以注明。

ATLAS 为每个乡镇或每个轮次增加一页地图（按轮次时使用本轮界值绘制，需要 HISTORY）。TEMPLATE 为可选的打印布局模板（.qpt）；插件在 resources/layouts/severity_map.qpt 中提供一个，可复制后编辑。

单位取自数据：图层的 unit 字段，否则为导入时该介质的单位（水样 ng/L，固体样品 ng/g）；单位打印在图例、表格说明和趋势图中。未指定乡镇名称字段时，从类似名称的字段中推测（name、乡镇、乡镇名称、XZMC、town_name……）。表格行不会跨页断开。文件先写入临时文件名，完成后再重命名到位：输出路径为文件夹或只读文件时拒绝执行。

数据中的每个值都经过转义，因此化验表中的 &amp;lt;script&amp;gt; 等文字按文字显示；打印地图中的文字（标题、轮次、物质、乡镇名称）按原样打印，绝不求值。</translation>
    </message>
    <message>
        <source>Township name field (empty: guess)</source>
        <translation>乡镇名称字段（留空则自动识别）</translation>
    </message>
    <message>
        <source>Value field (empty: mean, else median or maximum)</source>
        <translation>数值字段（留空则用均值，其次中位数或最大值）</translation>
    </message>
    <message>
        <source>Township values of every round (for changes and trends)</source>
        <translation>各轮次乡镇数值（用于变化和趋势）</translation>
    </message>
    <message>
        <source>Trend over rounds (output of the trend tool)</source>
        <translation>多轮趋势（趋势工具的输出）</translation>
    </message>
    <message>
        <source>Hot spots (output of the hot spot tool)</source>
        <translation>热点（热点分析工具的输出）</translation>
    </message>
    <message>
        <source>Classification method used</source>
        <translation>所用分级方法</translation>
    </message>
    <message>
        <source>Atlas pages</source>
        <translation>图集页</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>One page per township</source>
        <translation>每个乡镇一页</translation>
    </message>
    <message>
        <source>One page per round</source>
        <translation>每轮一页</translation>
    </message>
    <message>
        <source>Map layout template (.qpt; empty: built in)</source>
        <translation>地图布局模板（.qpt；留空则用内置布局）</translation>
    </message>
    <message>
        <source>Report (HTML)</source>
        <translation>报告（HTML）</translation>
    </message>
    <message>
        <source>HTML (*.html)</source>
        <translation>HTML 文件 (*.html)</translation>
    </message>
    <message>
        <source>Report (PDF)</source>
        <translation>报告（PDF）</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Townships in the report</source>
        <translation>报告中的乡镇数</translation>
    </message>
    <message>
        <source>Choose the township name field of “{layer}” (NAME_FIELD): no field called name or township was found.</source>
        <translation>请指定图层“{layer}”的乡镇名称字段（NAME_FIELD）：未找到名为 name 或 township 的字段。</translation>
    </message>
    <message>
        <source>Wastewater drug survey report</source>
        <translation>污水毒情监测报告</translation>
    </message>
    <message>
        <source>The layout template “{path}” does not exist.</source>
        <translation>布局模板“{path}”不存在。</translation>
    </message>
    <message>
        <source>Report written to {path}</source>
        <translation>报告已保存到 {path}</translation>
    </message>
    <message>
        <source>Report written to {path} ({pages} pages)</source>
        <translation>报告已写入 {path}（共 {pages} 页）</translation>
    </message>
    <message>
        <source>The hot spot layer “{layer}” has no field “gi_bin”: give the output of “Hot spots”.</source>
        <translation>热点图层“{layer}”没有字段“gi_bin”：请提供“热点分析”的输出。</translation>
    </message>
    <message>
        <source>The report file “{path}” must end in {ext}.</source>
        <translation>报告文件“{path}”的扩展名必须是 {ext}。</translation>
    </message>
    <message>
        <source>The layer “{layer}” has no field “severity”. Give the report a layer written by “Survey map” or “Classify severity”.</source>
        <translation>图层“{layer}”没有“severity”字段。请使用“水样监测分级图”或“严重程度分级”输出的图层生成报告。</translation>
    </message>
    <message>
        <source>The severity layer holds several rounds ({rounds}); the report treats them as one.</source>
        <translation>严重程度图层包含多个轮次（{rounds}），报告将其合并为一期处理。</translation>
    </message>
    <message>
        <source>The layer of earlier rounds “{layer}” has no fields “{name}”, “round” and “{value}”: changes and trends left out.</source>
        <translation>历史轮次图层“{layer}”缺少“{name}”、“round”和“{value}”字段，报告中不含变化和趋势。</translation>
    </message>
    <message>
        <source>The layout template “{path}” could not be read.</source>
        <translation>无法读取布局模板“{path}”。</translation>
    </message>
    <message>
        <source>The map could not be drawn: {error}</source>
        <translation>无法绘制地图：{error}</translation>
    </message>
    <message>
        <source>One page per round needs the township values of every round (HISTORY): no atlas pages written.</source>
        <translation>“每轮一页”需要各轮次的乡镇数值（HISTORY），未生成图集页。</translation>
    </message>
    <message>
        <source>Drawn with this report's class breaks.</source>
        <translation>按本报告的分级界值绘制。</translation>
    </message>
    <message>
        <source>Round {round}</source>
        <translation>{round} 轮</translation>
    </message>
    <message>
        <source>The report could not be written: {error}</source>
        <translation>无法写出报告：{error}</translation>
    </message>
    <message>
        <source>Search zones around high samples</source>
        <translation>高值样品周边排查区</translation>
    </message>
    <message>
        <source>For the check of every premises around the sampling points of fairly severe areas. Around each sample that qualifies, draws a search zone of RADIUS metres; zones that overlap are merged into one, and zones are clipped to the union of the townships when a township layer is given.

A sample qualifies when its value is ≥ THRESHOLD. Instead of (or as well as) a value, a severity class can be required: the sample's own severity field, or, when the samples have none, the severity of the township it lies in (the township layer must then carry a severity field, as written by “Classify severity”). When both are given, a sample must meet both.

Each zone gets zone_id (1 = the zone with the highest sample value, and so on: zones are ranked by their highest value, then by their number of samples), n_samples, sites, max_value, mean_value, area_ha and n_premises.

With a premises layer (houses, farms, empty buildings, as points or polygons), n_premises counts the premises in each zone (a point on the edge counts; a polygon counts when it overlaps the zone, and goes to the zone holding its nearest qualifying sample when it overlaps two). The premises list has one row per premises in a zone, with its zone_id, the nearest qualifying sample (nearest_site) and the distance to it in metres (0 when the sample lies inside a premises polygon).

When the samples come from “Import lab results” (fields compound and round), choose the COMPOUND (name or abbreviation, in Chinese or English) and, if needed, the ROUND: values of different compounds must not be compared with one threshold.

Distances are in metres: layers in degrees are worked in the UTM zone of the samples, and the log says so. Samples without a value or without a point are counted in the log and cannot qualify.</source>
        <translation>用于对较严重地区各采样点周边所有场所进行排查。在每个符合条件的样品周围画出半径为 RADIUS 米的排查区；相互重叠的排查区合并为一个，如给出乡镇图层，则排查区按乡镇范围的并集裁剪。

样品值 ≥ THRESHOLD 即符合条件。也可以（或同时）要求严重程度等级：取样品自身的 severity 字段；如样品没有该字段，则取样品所在乡镇的严重程度（此时乡镇图层须带有“划分严重程度”写入的 severity 字段）。两者都给出时，样品须同时满足。

每个排查区带有 zone_id（1 = 样品最高值最大的排查区，依此类推：先按最高值排序，再按样品数排序）、n_samples、sites、max_value、mean_value、area_ha 和 n_premises。

给出场所图层（住宅、养殖场、空置房屋等，点或面）时，n_premises 统计每个排查区内的场所数（落在边界上的点也计入；面只要与排查区重叠即计入，与两个排查区都重叠时，归入离它最近的符合条件样品所在的排查区）。场所清单每个排查区内的场所一行，列出其 zone_id、最近的符合条件样品（nearest_site）及到该样品的距离（米；样品位于场所面内时为 0）。

样品来自“导入化验结果”（带 compound 和 round 字段）时，请选择物质 COMPOUND（中英文名称或缩写均可），必要时选择轮次 ROUND：不同物质的数值不能用同一个阈值比较。

距离以米计：经纬度图层在样品所在的 UTM 带中计算，日志会注明。没有数值或没有点位的样品在日志中计数，不能入选。</translation>
    </message>
    <message>
        <source>Threshold: a sample qualifies when its value is ≥ this</source>
        <translation>阈值：样品值 ≥ 此值即入选</translation>
    </message>
    <message>
        <source>Or require a severity class</source>
        <translation>或要求严重程度等级</translation>
    </message>
    <message>
        <source>No class required</source>
        <translation>不要求等级</translation>
    </message>
    <message>
        <source>Fairly severe or severe</source>
        <translation>较严重或严重</translation>
    </message>
    <message>
        <source>Severe only</source>
        <translation>仅严重</translation>
    </message>
    <message>
        <source>Radius (metres)</source>
        <translation>半径（米）</translation>
    </message>
    <message>
        <source>Townships (zones are clipped to them)</source>
        <translation>乡镇（排查区按其裁剪）</translation>
    </message>
    <message>
        <source>Premises (points or polygons)</source>
        <translation>场所（点或面）</translation>
    </message>
    <message>
        <source>Search zones</source>
        <translation>排查区</translation>
    </message>
    <message>
        <source>Premises in the zones</source>
        <translation>排查区内的场所</translation>
    </message>
    <message>
        <source>Qualifying samples</source>
        <translation>入选样品</translation>
    </message>
    <message>
        <source>Give a THRESHOLD, or require a severity class with MIN_SEVERITY: otherwise no sample qualifies.</source>
        <translation>请给出阈值 THRESHOLD，或用 MIN_SEVERITY 要求严重程度等级，否则没有样品能入选。</translation>
    </message>
    <message>
        <source>{q} of {n} samples qualify ({rule}).</source>
        <translation>{n} 个样品中有 {q} 个入选（{rule}）。</translation>
    </message>
    <message>
        <source>value ≥ {t}</source>
        <translation>数值 ≥ {t}</translation>
    </message>
    <message>
        <source>severity class</source>
        <translation>严重程度等级</translation>
    </message>
    <message>
        <source>{n} premises lie in the {z} zones.</source>
        <translation>{z} 个排查区内共有 {n} 个场所。</translation>
    </message>
    <message>
        <source>No sample qualifies: no search zone was drawn.</source>
        <translation>没有样品入选，未生成排查区。</translation>
    </message>
    <message>
        <source>sample {n}</source>
        <translation>样品 {n}</translation>
    </message>
    <message>
        <source>{n} samples have no value in “{field}” and cannot qualify.</source>
        <translation>{n} 个样品在“{field}”中没有数值，不能入选。</translation>
    </message>
    <message>
        <source>{n} samples have no point and cannot qualify.</source>
        <translation>{n} 个样品没有点位，不能入选。</translation>
    </message>
    <message>
        <source>The township layer “{layer}” is not a polygon layer.</source>
        <translation>乡镇图层“{layer}”不是面图层。</translation>
    </message>
    <message>
        <source>{n} township polygons were invalid and were repaired.</source>
        <translation>{n} 个乡镇面无效，已修复。</translation>
    </message>
    <message>
        <source>the samples' own severity field</source>
        <translation>样品自身的严重程度字段</translation>
    </message>
    <message>
        <source>A severity class is required, but neither the samples nor a township layer have a “severity” field. Give the township layer written by “Classify severity”, or use a THRESHOLD.</source>
        <translation>要求了严重程度等级，但样品和乡镇图层都没有“severity”字段。请给出“划分严重程度”生成的乡镇图层，或改用阈值 THRESHOLD。</translation>
    </message>
    <message>
        <source>the severity of the township each sample lies in</source>
        <translation>样品所在乡镇的严重程度</translation>
    </message>
    <message>
        <source>Severity class required: {cls} or above, from {source}.</source>
        <translation>要求严重程度等级 {cls} 及以上，取自{source}。</translation>
    </message>
    <message>
        <source>{n} zones lie wholly outside the townships and are left out (samples: {sites}).</source>
        <translation>{n} 个排查区完全在乡镇范围之外，未输出（样品：{sites}）。</translation>
    </message>
    <message>
        <source>{n} premises have no geometry and are not counted.</source>
        <translation>{n} 个场所没有几何，未计入。</translation>
    </message>
    <message>
        <source>the SVG writer failed</source>
        <translation>SVG 写出失败</translation>
    </message>
    <message>
        <source>the image writer failed</source>
        <translation>图像写出失败</translation>
    </message>
    <message>
        <source>No data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <source>Severity charts by round</source>
        <translation>各轮次严重程度图表</translation>
    </message>
    <message>
        <source>Draws, for a severity layer holding several rounds (the output of “Classify severity”), one small chart per township of its value against round, with the three class bands shaded in the map's colours (general yellow, fairly severe orange, severe red) and each point coloured by its class; and one chart of how many townships sit in each class in each round (no data in grey). The charts are PNG or SVG files in OUTPUT_FOLDER, ready for reports.

The bands use BREAK_1 and BREAK_2 when given; otherwise the breaks stored in the layer's metadata by “Classify severity” (frozen breaks: the same for every round); otherwise the largest value of classes 1 and 2 in the data.

One compound and one unit per chart: a layer whose compound field holds several compounds is refused unless COMPOUND names the one to chart (the charts are then for that compound alone), and one holding several units (field unit) is refused.</source>
        <translation>针对包含多个轮次的严重程度图层（“严重程度分级”的输出），为每个乡镇绘制一张数值随轮次变化的小图，三个等级区间按地图颜色着色（一般黄、较严重橙、严重红），各点按其等级着色；并绘制一张各轮次每个等级乡镇数的图（无数据为灰色）。图表以 PNG 或 SVG 文件保存在 OUTPUT_FOLDER 中，可直接用于报告。

等级区间使用填写的 BREAK_1 和 BREAK_2；未填写时使用“严重程度分级”写入图层元数据的界值（固定界值：各轮次相同）；再没有时使用数据中第 1、2 级的最大值。

每张图只含一种化合物、一种单位：化合物字段含多种化合物的图层会被拒绝，除非在 COMPOUND 中指定要绘制的一种（图表只针对该化合物）；单位字段（unit）含多种单位的图层也会被拒绝。</translation>
    </message>
    <message>
        <source>Severity field</source>
        <translation>严重程度字段</translation>
    </message>
    <message>
        <source>Upper bound of class 1 (empty: from the layer)</source>
        <translation>第 1 级（一般）上限（留空：从图层读取）</translation>
    </message>
    <message>
        <source>Upper bound of class 2 (empty: from the layer)</source>
        <translation>第 2 级（较严重）上限（留空：从图层读取）</translation>
    </message>
    <message>
        <source>Compound (required when the layer holds several: the charts are for this one)</source>
        <translation>化合物（图层含多种化合物时必须指定：图表只针对该化合物）</translation>
    </message>
    <message>
        <source>Image format</source>
        <translation>图片格式</translation>
    </message>
    <message>
        <source>Folder for the charts</source>
        <translation>图表保存文件夹</translation>
    </message>
    <message>
        <source>Township charts written</source>
        <translation>已写出的乡镇图表数</translation>
    </message>
    <message>
        <source>Chart of townships per class and round</source>
        <translation>各轮次各等级乡镇数图表</translation>
    </message>
    <message>
        <source>{township} → {file}</source>
        <translation>{township} → {file}</translation>
    </message>
    <message>
        <source>{n} township charts and the class count chart written to {folder}.</source>
        <translation>已将 {n} 张乡镇图表和等级计数图写入 {folder}。</translation>
    </message>
    <message>
        <source>given</source>
        <translation>由用户填写</translation>
    </message>
    <message>
        <source>from the layer's metadata</source>
        <translation>取自图层元数据</translation>
    </message>
    <message>
        <source>from the largest value of classes 1 and 2</source>
        <translation>取自第 1、2 级的最大值</translation>
    </message>
    <message>
        <source>No breaks given or found: the charts are drawn without class bands.</source>
        <translation>未填写也未找到界值：图表不绘制等级区间。</translation>
    </message>
    <message>
        <source>Class bands {origin}: general ≤ {b1} &lt; fairly severe ≤ {b2} &lt; severe.</source>
        <translation>等级区间{origin}：一般 ≤ {b1} &lt; 较严重 ≤ {b2} &lt; 严重。</translation>
    </message>
    <message>
        <source>No field “{field}”: the points and the class counts are drawn without classes.</source>
        <translation>没有字段“{field}”：绘制各点和等级计数时不区分等级。</translation>
    </message>
    <message>
        <source>The layer “{layer}” has two rows for the township “{township}” in round “{round}” (feature {first}, value {a}; feature {second}, value {b}): a chart shows one value per round. Choose one compound, or aggregate the rows first.</source>
        <translation>图层“{layer}”中乡镇“{township}”在轮次“{round}”有两行（要素 {first}，数值 {a}；要素 {second}，数值 {b}）：每个轮次的图表只能显示一个数值。请只选一种物质，或先汇总这些行。</translation>
    </message>
    <message>
        <source>The rounds are not all years, quarters or months of one kind: the charts show them in text order.</source>
        <translation>轮次并非同一类型的年、季度或月：图表按文本顺序显示。</translation>
    </message>
    <message>
        <source>The output folder “{folder}” is a file, not a folder.</source>
        <translation>输出文件夹“{folder}”是一个文件，不是文件夹。</translation>
    </message>
    <message>
        <source>Townships per class and round</source>
        <translation>各轮次各等级乡镇数</translation>
    </message>
    <message>
        <source>The charts cannot be written to “{folder}”: {error}</source>
        <translation>无法将图表写入“{folder}”：{error}</translation>
    </message>
    <message>
        <source>parent far above its metabolite</source>
        <translation>母体药物远高于其代谢物</translation>
    </message>
    <message>
        <source>surface water far above the township's sewage</source>
        <translation>地表水远高于本乡镇的污水</translation>
    </message>
    <message>
        <source>outlier against the township and round and against the site's history</source>
        <translation>相对本乡镇本轮次及该点位历史均为异常值</translation>
    </message>
    <message>
        <source>one-time spike, not repeated in the next round</source>
        <translation>一次性突增，下一轮未再出现</translation>
    </message>
    <message>
        <source>{n} samples have no township in “{field}”: they are compared with each other as one group.</source>
        <translation>{n} 个样品在“{field}”中没有乡镇：它们作为一组相互比较。</translation>
    </message>
    <message>
        <source>Signal at site {site}, round {round}, {compound}: {reasons} (score {score:.1f}).</source>
        <translation>点位 {site}，轮次 {round}，{compound}：{reasons}（评分 {score:.1f}）。</translation>
    </message>
    <message>
        <source>{n} detected samples of the latest round cannot be judged for one-time spikes until the next round is in.</source>
        <translation>最新一轮有 {n} 个检出样品需等下一轮结果出来后才能判断是否为一次性突增。</translation>
    </message>
    <message>
        <source>{flagged} of {tested} detected samples flagged.</source>
        <translation>{tested} 个检出样品中有 {flagged} 个被标记。</translation>
    </message>
    <message>
        <source>Signals of production or dumping</source>
        <translation>制毒或倾倒迹象</translation>
    </message>
    <message>
        <source>Finds samples that look like a production or dumping site rather than consumption, and writes them to a layer of their own, with the reasons and a score. The flags never change the severity classes: they are a separate layer and a separate section of the report.

A detected sample is flagged when:
• ratio: the parent is far above its metabolite in the same sample (methamphetamine ÷ amphetamine above 100 by default: consumption gives about 11, the median AMP/MA being 0.09; cocaine ÷ benzoylecgonine above 1, unconfirmed). A non-detected metabolite counts at its detection limit, so the ratio is never overstated;
• surface: a surface-water sample is at least 5 times the median sewage of the same township and round (rivers normally run below sewage: methamphetamine &lt;0.1–42 ng/L in rivers against tens to hundreds of ng/L in sewage);
• outlier: the log10 value is a robust outlier both against its township and round and against the site's other rounds (modified z-score 0.6745·(x − median)/MAD ≥ 3.5, Iglewicz &amp; Hoaglin 1993; the MAD is pooled per compound, at least 0.1 log10). A group whose median is a non-detect is not tested;
• spike: the value is at least 10 times the site's value in the round before and in the round after, and both the rise and the fall are robust outliers among the county's round-to-round changes. A sample of the latest round cannot be judged yet: the log counts these.

signal_score is the largest ratio of a test's value to its threshold among the tests that fired (≥ 1). Township comes from a field of the samples (by default lab_township, written by the import). Every threshold is a parameter.</source>
        <translation>找出更像制毒或倾倒点而不像吸食消费的样品，单独写入一个图层，并给出原因和评分。这些标记绝不改变严重程度分级：它们是单独的图层，也是报告中单独的一节。

检出的样品满足以下任一条件即被标记：
• 比值：同一样品中母体药物远高于其代谢物（默认甲基苯丙胺 ÷ 苯丙胺大于 100：吸食消费约为 11，即 AMP/MA 中位数 0.09；可卡因 ÷ 苯甲酰爱康宁大于 1，未核实）。未检出的代谢物按检出限计，因此比值不会被高估；
• 地表水：地表水样品不低于同一乡镇同一轮次污水中位数的 5 倍（河流通常低于污水：河流中甲基苯丙胺 &lt;0.1–42 ng/L，污水中为几十到几百 ng/L）；
• 异常值：log10 值相对本乡镇本轮次、以及相对该点位其他轮次均为稳健异常值（修正 z 分数 0.6745·(x − 中位数)/MAD ≥ 3.5，Iglewicz 和 Hoaglin 1993；MAD 按化合物合并计算，至少 0.1 log10）。中位数为未检出的组不作检验；
• 突增：数值不低于该点位前一轮和后一轮数值的 10 倍，且上升和回落在全县各轮次间变化中均为稳健异常值。最新一轮的样品暂时无法判断，日志中给出其数量。

signal_score 为触发的各项检验中检验值与阈值之比的最大值（≥ 1）。乡镇取自样品的字段（默认为导入时写出的 lab_township）。每个阈值都是参数。</translation>
    </message>
    <message>
        <source>Largest methamphetamine ÷ amphetamine from consumption</source>
        <translation>吸食消费可产生的甲基苯丙胺 ÷ 苯丙胺上限</translation>
    </message>
    <message>
        <source>Consumption gives about 11 (median AMP/MA 0.09); 100 is ten times that.</source>
        <translation>吸食消费约为 11（AMP/MA 中位数 0.09）；100 约为其十倍。</translation>
    </message>
    <message>
        <source>Largest cocaine ÷ benzoylecgonine from consumption</source>
        <translation>吸食消费可产生的可卡因 ÷ 苯甲酰爱康宁上限</translation>
    </message>
    <message>
        <source>Cocaine above its metabolite points to direct disposal (unconfirmed).</source>
        <translation>可卡因高于其代谢物提示直接倾倒（未核实）。</translation>
    </message>
    <message>
        <source>Surface water ÷ township sewage median</source>
        <translation>地表水 ÷ 乡镇污水中位数</translation>
    </message>
    <message>
        <source>Rivers normally run below sewage (WBE science notes).</source>
        <translation>河流通常低于污水（WBE 科学说明）。</translation>
    </message>
    <message>
        <source>Robust z-score threshold</source>
        <translation>稳健 z 分数阈值</translation>
    </message>
    <message>
        <source>Modified z-score 3.5 (Iglewicz &amp; Hoaglin 1993).</source>
        <translation>修正 z 分数 3.5（Iglewicz 和 Hoaglin 1993）。</translation>
    </message>
    <message>
        <source>Smallest MAD (log10 units)</source>
        <translation>最小 MAD（log10 单位）</translation>
    </message>
    <message>
        <source>0.1 log10 = a factor of 1.26, about the sampling and analysis error (Castiglioni et al. 2013).</source>
        <translation>0.1 log10 即 1.26 倍，约为采样与分析误差（Castiglioni 等 2013）。</translation>
    </message>
    <message>
        <source>Spike: times the round before and after</source>
        <translation>突增：相对前后两轮的倍数</translation>
    </message>
    <message>
        <source>An order of magnitude.</source>
        <translation>一个数量级。</translation>
    </message>
    <message>
        <source>Smallest group for the robust tests</source>
        <translation>稳健检验的最小组样本数</translation>
    </message>
    <message>
        <source>Production or dumping signals</source>
        <translation>制毒或倾倒迹象（标记的样品）</translation>
    </message>
    <message>
        <source>Detected samples tested</source>
        <translation>检验的检出样品数</translation>
    </message>
    <message>
        <source>Samples flagged</source>
        <translation>被标记的样品数</translation>
    </message>
    <message>
        <source>Flagged by the parent/metabolite ratio</source>
        <translation>按母体/代谢物比值标记</translation>
    </message>
    <message>
        <source>Flagged as surface water above sewage</source>
        <translation>按地表水高于污水标记</translation>
    </message>
    <message>
        <source>Flagged as robust outliers</source>
        <translation>按稳健异常值标记</translation>
    </message>
    <message>
        <source>Flagged as one-time spikes</source>
        <translation>按一次性突增标记</translation>
    </message>
    <message>
        <source>Latest-round samples not yet judged for spikes</source>
        <translation>尚未判断突增的最新一轮样品数</translation>
    </message>
    <message>
        <source>There is no saved PostgreSQL connection named “{name}”. Saved connections: {known}.</source>
        <translation>没有名为“{name}”的已保存 PostgreSQL 连接。已保存的连接：{known}。</translation>
    </message>
    <message>
        <source>The connection “{name}” uses the authentication configuration “{authcfg}”, which could not be opened (is the master password set, and does the configuration exist?).</source>
        <translation>连接“{name}”使用的认证配置“{authcfg}”无法打开（是否已输入主密码？该配置是否存在？）。</translation>
    </message>
    <message>
        <source>the database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>The PostgreSQL driver (psycopg2) is missing from this QGIS installation: {error}</source>
        <translation>当前 QGIS 安装缺少 PostgreSQL 驱动（psycopg2）：{error}</translation>
    </message>
    <message>
        <source>Could not connect to {where}: {error}</source>
        <translation>无法连接到 {where}：{error}</translation>
    </message>
    <message>
        <source>The connection to {where} was lost during the import. The server rolled the import back: nothing from it was stored. Run it again when the connection is back ({error}).</source>
        <translation>导入过程中与 {where} 的连接中断。服务器已回滚本次导入，数据均未保存。请在连接恢复后重新运行（{error}）。</translation>
    </message>
    <message>
        <source>The survey store in {where} has schema version {found}, written by a newer version of this plugin, which supports versions up to {supported}. Update the plugin to use this store; nothing was changed.</source>
        <translation>{where} 中的监测数据库结构版本为 {found}，由更新版本的插件建立；本插件最高只支持版本 {supported}。请先升级插件再使用该数据库；数据库未做任何改动。</translation>
    </message>
    <message>
        <source>The survey store schema (version {version}) could not be written in {where} as user “{user}”: {error}. The database owner must run the plugin once to create or update it (see docs/POSTGIS.md); nothing was changed.</source>
        <translation>无法以用户“{user}”在 {where} 中写入监测数据库结构（版本 {version}）：{error}。需由数据库所有者运行一次插件来建立或更新（见 docs/POSTGIS.md）；数据库未做任何改动。</translation>
    </message>
    <message>
        <source>table</source>
        <translation>表</translation>
    </message>
    <message>
        <source>schema</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>sequence</source>
        <translation>序列</translation>
    </message>
    <message>
        <source>The user “{user}” lacks the {right} right on the {kind} {object} in {where}, so the import cannot be stored. Ask the database owner to grant it (the role wbe_lab has it); nothing was changed.</source>
        <translation>用户“{user}”在 {where} 中缺少对{kind} {object} 的 {right} 权限，无法保存导入的数据。请数据库所有者授予该权限（角色 wbe_lab 具有此权限）；数据库未做任何改动。</translation>
    </message>
    <message>
        <source>The database refused the import for lack of a right: {error}. Nothing was stored.</source>
        <translation>数据库因权限不足拒绝了导入：{error}。数据均未保存。</translation>
    </message>
    <message>
        <source>The database refused the import, which was rolled back: nothing from it was stored. {error}</source>
        <translation>数据库拒绝了本次导入，导入已回滚，数据均未保存。{error}</translation>
    </message>
    <message>
        <source>The import was canceled and rolled back: nothing from it was stored.</source>
        <translation>导入已取消并已回滚：本次导入的数据均未保存。</translation>
    </message>
    <message>
        <source>The samples lack the fields {fields}, which the survey store needs.</source>
        <translation>样品缺少监测数据库所需的字段 {fields}。</translation>
    </message>
    <message>
        <source>Survey store error: {code} {details}</source>
        <translation>监测数据库错误：{code} {details}</translation>
    </message>
    <message>
        <source>Store samples in the shared PostGIS survey store</source>
        <translation>将样品存入共享的 PostGIS 监测数据库</translation>
    </message>
    <message>
        <source>Adds sample points (as written by “Import lab results”) to the shared survey store in a PostgreSQL/PostGIS database, for provincial and national programmes where several labs and offices share one database.

Connection: a PostgreSQL connection saved in QGIS (Browser → PostgreSQL → New Connection). Give it an authentication configuration rather than a stored password: then no password is written in a project or a log.

The store (schema wbe) is created on first use and updated when the plugin brings a newer version; a store written by a newer plugin is refused. Each import is one transaction: it is stored whole or not at all. A sample × compound (site, date, sample type, compound) is stored once: importing the same file again adds nothing, and a different value for a stored sample is reported in the log and in ROWS_CHANGED, never overwritten.

The stored samples are an ordinary PostGIS layer (wbe.samples) that every algorithm of this provider accepts as input. Lab: the name of the lab that sent the results, kept with every row.</source>
        <translation>将样品点（“导入化验结果”的输出）添加到 PostgreSQL/PostGIS 数据库中的共享监测数据库，适用于多个实验室和单位共用一个数据库的省级、全国性监测项目。

连接：在 QGIS 中保存的 PostgreSQL 连接（浏览器 → PostgreSQL → 新建连接）。请为连接设置认证配置，不要直接保存密码：这样工程文件和日志中都不会出现密码。

监测库（模式 wbe）在首次使用时自动建立，插件升级后自动更新；由更新版本插件建立的监测库会被拒绝使用。每次导入是一个事务：要么全部保存，要么全部不保存。同一样品 × 同一物质（点位、日期、样品类型、物质）只保存一次：重复导入同一文件不会新增任何数据；已保存样品的数值若与文件不同，会在日志和 ROWS_CHANGED 中报告，绝不覆盖。

已保存的样品是一个普通的 PostGIS 图层（wbe.samples），本工具集的所有算法都可以直接用作输入。实验室：报送结果的实验室名称，随每一行一起保存。</translation>
    </message>
    <message>
        <source>PostgreSQL connection</source>
        <translation>PostgreSQL 连接</translation>
    </message>
    <message>
        <source>Lab that sent the results</source>
        <translation>报送结果的实验室</translation>
    </message>
    <message>
        <source>Rows offered</source>
        <translation>提交行数</translation>
    </message>
    <message>
        <source>Rows stored</source>
        <translation>新保存行数</translation>
    </message>
    <message>
        <source>Rows already stored</source>
        <translation>已存在行数</translation>
    </message>
    <message>
        <source>Rows whose stored value differs</source>
        <translation>与已存数值不同的行数</translation>
    </message>
    <message>
        <source>Import id</source>
        <translation>导入编号</translation>
    </message>
    <message>
        <source>Name the lab that sent the results (parameter LAB).</source>
        <translation>请填写报送结果的实验室名称（参数 LAB）。</translation>
    </message>
    <message>
        <source>{n} samples in “{layer}” have no point; the survey store needs one for every sample.</source>
        <translation>“{layer}”中有 {n} 个样品没有坐标点；监测数据库要求每个样品都有点位。</translation>
    </message>
    <message>
        <source>Connecting to the survey store…</source>
        <translation>正在连接监测数据库…</translation>
    </message>
    <message>
        <source>Storing samples…</source>
        <translation>正在保存样品…</translation>
    </message>
    <message>
        <source>Row {row}: {site} {date} {medium} {compound} is stored with concentration {stored} (lab {lab}); this file gives {offered}. The stored value is kept.</source>
        <translation>第 {row} 行：{site} {date} {medium} {compound} 已保存的浓度为 {stored}（实验室 {lab}），本文件为 {offered}。保留已保存的数值。</translation>
    </message>
    <message>
        <source>… and {n} more changed values.</source>
        <translation>……另有 {n} 个数值不同。</translation>
    </message>
    <message>
        <source>{offered} rows offered: {inserted} stored, {unchanged} already stored, {changed} differ from the stored value.</source>
        <translation>共提交 {offered} 行：新保存 {inserted} 行，已存在 {unchanged} 行，与已存数值不同 {changed} 行。</translation>
    </message>
    <message>
        <source>{n} townships have no sample inside: their surface values are extrapolated from samples elsewhere and mean little (no_sample_inside, dist_nearest_sample): {names}.</source>
        <translation>{n} 个乡镇内部没有样品：其浓度面数值由别处样品外推而来，意义不大（no_sample_inside、dist_nearest_sample）：{names}。</translation>
    </message>
    <message>
        <source>No SAMPLES given: the output cannot say which townships have no sample inside.</source>
        <translation>未给出 SAMPLES：输出无法说明哪些乡镇内部没有样品。</translation>
    </message>
    <message>
        <source>{n} townships hold no cell centre with a value and have NULL statistics: {names}.</source>
        <translation>{n} 个乡镇内没有带值的像元中心，统计值为空：{names}。</translation>
    </message>
    <message>
        <source>Surface statistics by township</source>
        <translation>按乡镇统计浓度面</translation>
    </message>
    <message>
        <source>Summarises a surface (for example the output of “Interpolate a surface”) per township polygon: n_cells (cells with a value), surface_mean, surface_max, and pct_above, the percentage of the township's area whose value is at or above THRESHOLD (NULL when no threshold is given).

A cell belongs to a township when its centre lies inside the polygon, as QGIS's zonal statistics count it; NoData cells are left out. Every cell has the same area, so the share of cells is the share of area. A township that holds no cell centre with a value (smaller than a cell, or outside the surface) gets n_cells = 0 and NULL statistics, and is named in the log. The townships are reprojected to the raster's CRS when the two differ. The output keeps the township fields and adds the statistics after them.

Where the surface means nothing: a township with no sample inside gets its value only from samples elsewhere (interpolation invents it). Give SAMPLES (the points the surface was made from) and each township gets n_samples_in, dist_nearest_sample (in the townships' CRS units; 0 with a sample inside) and no_sample_inside (true where the value is extrapolated from outside); the log names those townships. Read such values as a guess, never as a measurement.

</source>
        <translation>按乡镇面汇总浓度面（例如“插值生成浓度面”的输出）：n_cells（有值的像元数）、surface_mean（平均值）、surface_max（最大值），以及 pct_above：乡镇面积中数值不低于 THRESHOLD 的百分比（未给阈值时为空）。

像元中心落在乡镇面内即算属于该乡镇，与 QGIS 分区统计的计法相同；无值像元不计。每个像元面积相同，因此像元比例就是面积比例。没有任何带值像元中心的乡镇（比一个像元还小，或在浓度面之外）n_cells = 0、统计值为空，并在日志中列出名称。乡镇与栅格坐标系不同时，先把乡镇投影到栅格的坐标系。输出保留乡镇图层的字段，统计字段加在其后。

浓度面在哪里没有意义：内部没有样品的乡镇，其数值只来自别处的样品（由插值“编”出来）。给出 SAMPLES（生成浓度面所用的点）后，每个乡镇增加 n_samples_in、dist_nearest_sample（乡镇坐标系单位；内部有样品时为 0）和 no_sample_inside（数值由外部外推时为真）；日志列出这些乡镇。这样的数值只能当作推测，绝不能当作测量值。

</translation>
    </message>
    <message>
        <source>Surface</source>
        <translation>浓度面</translation>
    </message>
    <message>
        <source>Band</source>
        <translation>波段</translation>
    </message>
    <message>
        <source>Threshold (share of area at or above it)</source>
        <translation>阈值（统计不低于该值的面积比例）</translation>
    </message>
    <message>
        <source>Samples the surface was made from</source>
        <translation>生成浓度面所用的样品</translation>
    </message>
    <message>
        <source>Surface by township</source>
        <translation>按乡镇统计的浓度面</translation>
    </message>
    <message>
        <source>Townships without a sample inside</source>
        <translation>内部没有样品的乡镇</translation>
    </message>
    <message>
        <source>Townships without a cell</source>
        <translation>没有像元的乡镇数</translation>
    </message>
    <message>
        <source>The townships are in a geographic CRS: dist_nearest_sample is in degrees.</source>
        <translation>乡镇图层为地理坐标系：dist_nearest_sample 的单位是度。</translation>
    </message>
    <message>
        <source>Survey map (lab results → severity map)</source>
        <translation>毒情分布图（化验结果 → 严重程度分级图）</translation>
    </message>
    <message>
        <source>The quarterly routine in one run: imports the lab table, joins the samples of one compound to the townships, classifies the townships into severe (严重), fairly severe (较严重) and general (一般), and writes a styled layer and a map.

ROUND chooses the round; empty means the latest round that has samples of the compound. The township value is the mean, median or maximum of the round's samples (non-detects per the chosen policy). The classification methods and THRESHOLDS are those of “Classify severity”. MAP is optional: a .pdf or .png path.

Rows the import rejected and samples in no township are written to their own outputs and counted in the log and the results.</source>
        <translation>一次完成季度例行工作：导入化验结果表，将一种物质的样品关联到乡镇，把乡镇分为严重、较严重和一般三级，并写出带样式的图层和地图。

ROUND 指定轮次；留空表示该物质有样品的最新轮次。乡镇取值为该轮次样品的均值、中位数或最大值（未检出样品按所选规则处理）。分级方法和 THRESHOLDS 与“毒情严重程度分级”相同。MAP 可选：.pdf 或 .png 文件路径。

导入时被拒绝的行和不在任何乡镇内的样品分别写入各自的输出，并在日志和结果中计数。</translation>
    </message>
    <message>
        <source>The field of the township layer that holds the township names. Empty (or the default “name” on a layer without it): the first text field that looks like a name (name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town), as the log says.</source>
        <translation>乡镇图层中存放乡镇名称的字段。留空（或图层没有默认的“name”字段）时，使用第一个看起来像名称的文本字段（name、乡镇、乡镇名称、镇名、XZMC、XZQMC、township、town），并在日志中说明。</translation>
    </message>
    <message>
        <source>Round (empty: the latest)</source>
        <translation>轮次（留空：最新一轮）</translation>
    </message>
    <message>
        <source>The sampling round to map, written as in the lab table: a quarter 2024Q3, a year 2024 or a month 2024-07. Empty: the latest round that has samples of the compound; the round used is returned as ROUND.</source>
        <translation>要制图的采样轮次，写法与化验结果表一致：季度 2024Q3、年份 2024 或月份 2024-07。留空则为该目标物有样品的最新一轮；实际使用的轮次作为 ROUND 返回。</translation>
    </message>
    <message>
        <source>How the township values are cut into the three classes; see “Classify severity” for each method.</source>
        <translation>如何把乡镇数值划分为三个等级；各方法见“严重程度分级”。</translation>
    </message>
    <message>
        <source>Township value</source>
        <translation>乡镇取值</translation>
    </message>
    <message>
        <source>Mean</source>
        <translation>均值</translation>
    </message>
    <message>
        <source>Median</source>
        <translation>中位数</translation>
    </message>
    <message>
        <source>Maximum</source>
        <translation>最大值</translation>
    </message>
    <message>
        <source>Map title</source>
        <translation>地图标题</translation>
    </message>
    <message>
        <source>Severity by township</source>
        <translation>乡镇毒情严重程度</translation>
    </message>
    <message>
        <source>Map (PDF or PNG)</source>
        <translation>地图（PDF 或 PNG）</translation>
    </message>
    <message>
        <source>Round mapped</source>
        <translation>制图轮次</translation>
    </message>
    <message>
        <source>Importing lab results…</source>
        <translation>正在导入化验结果…</translation>
    </message>
    <message>
        <source>Latest round with samples of {compound}: {round}</source>
        <translation>{compound} 有样品的最新轮次：{round}</translation>
    </message>
    <message>
        <source>Classifying townships…</source>
        <translation>正在对乡镇分级…</translation>
    </message>
    <message>
        <source>Drawing the map…</source>
        <translation>正在绘制地图…</translation>
    </message>
    <message>
        <source>Saved by wbe_surveillance</source>
        <translation>由 wbe_surveillance 保存</translation>
    </message>
    <message>
        <source>The lab table has no sample of “{compound}” of the chosen sample type.</source>
        <translation>化验结果表中没有所选样品类型的“{compound}”样品。</translation>
    </message>
    <message>
        <source>Trace the source along the drainage network</source>
        <translation>沿排水管网溯源</translation>
    </message>
    <message>
        <source>A sewage or channel sample measures everything upstream of it. When the samples just upstream are low and the next one downstream is high, the source lies on the lines between them. This tool finds those stretches, so that a township-wide sweep becomes a few hundred metres of channel.

Network: a line layer of sewers, open channels and streams. Water flows in the digitising direction, unless DIRECTION_FIELD says otherwise, with the values QGIS's network analysis uses: forward (as digitised), backward (against it) or both (unknown); other values take DEFAULT_DIRECTION, and the log counts them. Line ends closer than TOLERANCE metres are joined. How to check the direction: in the layer's Symbology, set the symbol layer type to “Arrow” (or add a Marker line with an arrow marker), and look: every arrow must point downstream. Fix lines drawn the wrong way with “Reverse line direction”, or mark them backward in the direction field. A network where every line is “both” has no direction and is refused.

Samples: points with a value (VALUE_FIELD) and a site name (SITE_FIELD), snapped to the nearest line within SNAP_DISTANCE metres. Samples that cannot snap are listed in the log, with their distance to the network. Use one round and one compound: with samples from “Import lab results”, choose COMPOUND and ROUND. Several features of the same site are averaged, and the log names them.

Rule at confluences: the samples just upstream of a sample are those reached walking up the network without passing another sample. They explain its value by their maximum (mixing can only dilute), or, when FLOW_FIELD gives each sample's flow, by the flow-weighted mix Σ Q·C / Σ Q. A sample is flagged when its value is at least RATIO times what they explain. A sample with no sample upstream is not assessed (the log lists it).

OUTPUT: for each flagged sample, the stretch that runs up from it to the samples just upstream, or to the heads of branches with no sample, with upstream_site, downstream_site, ratio (value ÷ explained value; NULL when the samples upstream are all 0), length_m, rank (1 = the strongest rise), downstream_value, expected_value and n_heads (unsampled branch heads). CATCHMENTS: for each sample, the lines that drain to it, up to the next samples upstream. With a premises layer, PREMISES_NEAR lists the premises within PREMISES_DISTANCE metres of a flagged stretch.

Loops (lines that flow round in a circle), unconnected parts of the network and points where flow splits are reported in the log; each line is counted once per catchment. Lengths and distances are in metres: layers in degrees are worked in the UTM zone of the data.</source>
        <translation>污水或沟渠样品反映的是其上游的全部排放。当紧邻上游的样品低、下游下一个样品高时，污染源就在两者之间的管线上。本工具找出这些管段，把全乡镇的排查缩小到几百米的沟渠。

管网：污水管、明渠、溪流的线图层。水流方向即数字化方向，除非 DIRECTION_FIELD 另有说明，取值与 QGIS 网络分析相同：forward（顺数字化方向）、backward（逆数字化方向）或 both（方向不明）；其他取值按 DEFAULT_DIRECTION 处理，日志中会计数。端点相距小于 TOLERANCE 米的线会连接起来。如何检查方向：在图层的“符号化”中把符号图层类型设为“箭头”（或添加带箭头标记的标记线），逐段查看：每个箭头都应指向下游。画反的线用“反转线方向”修正，或在方向字段中标为 backward。所有线都为 both 的管网没有方向，会被拒绝。

样品：带数值（VALUE_FIELD）和点位名称（SITE_FIELD）的点，吸附到 SNAP_DISTANCE 米以内最近的线上。无法吸附的样品在日志中列出，并给出其到管网的距离。请只用一个轮次、一种物质：样品来自“导入化验结果”时，请选择 COMPOUND 和 ROUND。同一点位的多个要素取平均值，日志会列出这些点位。

汇流处的规则：某样品紧邻上游的样品，是沿管网向上游走、不经过其他样品所能到达的样品。用它们的最大值（混合只会稀释）来解释该样品的数值；如 FLOW_FIELD 给出了各样品的流量，则用按流量加权的混合值 Σ Q·C / Σ Q。样品值达到可解释值的 RATIO 倍及以上即被标记。上游没有样品的样品不作判断（日志中列出）。

OUTPUT：每个被标记样品对应一段管段，从该样品向上游延伸到紧邻上游的样品，或延伸到没有样品的支流源头，字段有 upstream_site、downstream_site、ratio（样品值 ÷ 可解释值；上游样品全为 0 时为空）、length_m、rank（1 = 升高最明显）、downstream_value、expected_value 和 n_heads（无样品的支流源头数）。CATCHMENTS：每个样品的汇水管线，向上游直到下一批样品。给出场所图层时，PREMISES_NEAR 列出距被标记管段 PREMISES_DISTANCE 米以内的场所。

环路（首尾相连、水流打转的线）、管网中互不连通的部分以及水流分叉的节点都会在日志中报告；每条线在每个汇水范围中只计一次。长度和距离以米计：经纬度图层在数据所在的 UTM 带中计算。</translation>
    </message>
    <message>
        <source>Drainage network</source>
        <translation>排水管网</translation>
    </message>
    <message>
        <source>Flow field (optional: flow-weighted mixing at confluences)</source>
        <translation>流量字段（可选：汇流处按流量加权混合）</translation>
    </message>
    <message>
        <source>Rise that flags a stretch (ratio)</source>
        <translation>标记管段的升高倍数</translation>
    </message>
    <message>
        <source>Premises (optional)</source>
        <translation>场所（可选）</translation>
    </message>
    <message>
        <source>Premises within (metres) of a flagged stretch</source>
        <translation>被标记管段周边场所的距离（米）</translation>
    </message>
    <message>
        <source>Flagged stretches</source>
        <translation>被标记的管段</translation>
    </message>
    <message>
        <source>Catchments of the samples</source>
        <translation>样品汇水范围</translation>
    </message>
    <message>
        <source>Premises near flagged stretches</source>
        <translation>被标记管段附近的场所</translation>
    </message>
    <message>
        <source>Samples on the network</source>
        <translation>吸附到管网的样品</translation>
    </message>
    <message>
        <source>Samples too far from the network</source>
        <translation>离管网太远的样品</translation>
    </message>
    <message>
        <source>Unconnected parts of the network</source>
        <translation>管网中互不连通的部分</translation>
    </message>
    <message>
        <source>Nodes on loops</source>
        <translation>环路上的节点</translation>
    </message>
    <message>
        <source>Reading the network…</source>
        <translation>正在读取管网…</translation>
    </message>
    <message>
        <source>Snapping samples to the network…</source>
        <translation>正在将样品吸附到管网…</translation>
    </message>
    <message>
        <source>{n} samples lie farther than {d} m from the network and are left out: {sites}. Raise SNAP_DISTANCE or check their coordinates.</source>
        <translation>{n} 个样品离管网超过 {d} 米，未使用：{sites}。请加大 SNAP_DISTANCE 或核对其坐标。</translation>
    </message>
    <message>
        <source>No sample lies within {d} m of the network “{layer}”: nothing to trace.</source>
        <translation>没有样品位于管网“{layer}”{d} 米以内，无法溯源。</translation>
    </message>
    <message>
        <source>No stretch rises by ×{ratio} or more over what the samples upstream explain.</source>
        <translation>没有管段比上游样品可解释的值升高 ×{ratio} 及以上。</translation>
    </message>
    <message>
        <source>{n} network features have no line geometry and are left out.</source>
        <translation>{n} 个管网要素没有线几何，未使用。</translation>
    </message>
    <message>
        <source>{n} samples have no site name and are left out.</source>
        <translation>{n} 个样品没有点位名称，未使用。</translation>
    </message>
    <message>
        <source>{n} samples have no value in “{field}” and are left out: {sites}.</source>
        <translation>{n} 个样品在“{field}”中没有数值，未使用：{sites}。</translation>
    </message>
    <message>
        <source>Several samples share a site; their values are averaged: {sites}. Filter the samples to one round and one compound.</source>
        <translation>多个样品属于同一点位，取其平均值：{sites}。请将样品筛选为一个轮次、一种物质。</translation>
    </message>
    <message>
        <source>Several sites snap to the same point of the network: {groups}. Give each site its own place, or merge them.</source>
        <translation>多个点位吸附到管网上的同一位置：{groups}。请为每个点位给出各自的位置，或将其合并。</translation>
    </message>
    <message>
        <source>The flow field “{field}” must be positive for every sample; it is not for: {sites}.</source>
        <translation>流量字段“{field}”对每个样品都必须为正数，以下样品不满足：{sites}。</translation>
    </message>
    <message>
        <source>No sample upstream, so not assessed: {sites}.</source>
        <translation>上游没有样品，不作判断：{sites}。</translation>
    </message>
    <message>
        <source>flow-weighted mix</source>
        <translation>按流量加权混合</translation>
    </message>
    <message>
        <source>maximum</source>
        <translation>最大值</translation>
    </message>
    <message>
        <source>Stretch {rank}: {down} ({value}) against {up} ({expected}, {rule}): ×{ratio}, {length} m of line.</source>
        <translation>管段 {rank}：{down}（{value}）对比 {up}（{expected}，{rule}）：×{ratio}，管线长 {length} 米。</translation>
    </message>
    <message>
        <source>{n} premises lie within {d} m of a flagged stretch.</source>
        <translation>{n} 个场所位于被标记管段 {d} 米以内。</translation>
    </message>
    <message>
        <source>Every line of the network “{layer}” has the direction “both”: the network has no direction, and a source cannot be traced. Fill the direction field with forward or backward, or leave it empty so that lines follow their digitising direction.</source>
        <translation>管网“{layer}”的每条线方向都是“both”：管网没有方向，无法溯源。请在方向字段中填写 forward 或 backward，或不设方向字段，让线按数字化方向流动。</translation>
    </message>
    <message>
        <source>The default direction is “both” and the network “{layer}” has no direction field: the network has no direction, and a source cannot be traced. Choose the forward default (lines drawn in the flow direction) or give a direction field.</source>
        <translation>默认方向为“both”，且管网“{layer}”没有方向字段：管网没有方向，无法溯源。请选择正向默认方向（线按水流方向绘制），或给出方向字段。</translation>
    </message>
    <message>
        <source>The network falls into {n} unconnected parts; {k} of them hold no sample ({lines} line pieces, which no catchment reaches). If parts should join, check that line ends meet, or raise TOLERANCE.</source>
        <translation>管网分为 {n} 个互不连通的部分，其中 {k} 个部分没有样品（{lines} 段管线，不属于任何汇水范围）。如这些部分本应相连，请检查线端点是否相接，或加大 TOLERANCE。</translation>
    </message>
    <message>
        <source>{n} nodes lie on or below a loop (lines that flow round in a circle), for example near ({x}, {y}). Each line is counted once per catchment; check the direction of the lines there.</source>
        <translation>{n} 个节点位于环路（水流打转的线）上或其下游，例如 ({x}, {y}) 附近。每条线在每个汇水范围中只计一次；请检查该处线的方向。</translation>
    </message>
    <message>
        <source>Flow splits at {n} nodes (more than one line leaves them), for example near ({x}, {y}). Drainage rarely splits: check that these lines are digitised in the flow direction.</source>
        <translation>水流在 {n} 个节点处分叉（有多条线从该点流出），例如 ({x}, {y}) 附近。排水很少分叉：请检查这些线是否按水流方向数字化。</translation>
    </message>
    <message>
        <source>Increasing</source>
        <translation>上升</translation>
    </message>
    <message>
        <source>Decreasing</source>
        <translation>下降</translation>
    </message>
    <message>
        <source>No trend</source>
        <translation>无趋势</translation>
    </message>
    <message>
        <source>Too few rounds</source>
        <translation>轮次太少</translation>
    </message>
    <message>
        <source>Trend across rounds</source>
        <translation>跨轮次趋势</translation>
    </message>
    <message>
        <source>For each township (or site: choose the site field as ID_FIELD), tests whether the values rise or fall across the sampling rounds, and measures the change from the previous round. The input holds one row per ID and round, such as the output of “Aggregate samples by township” over several rounds; several rows for the same ID and round are averaged, and the log says how many.

Output: one feature per ID, with the ID's geometry when the input has one (styled by trend), keeping ID_FIELD under its own name, and the fields n_rounds (rounds with a value), first_round, last_round, mk_s (Mann-Kendall S), mk_var_s (Var(S) with the tie correction), mk_z, mk_p (two-sided), p_method, min_p (the smallest p that n_rounds could ever give), sen_slope (Sen's slope: the median change per year, per quarter or per month, as the rounds are), prev_round, change_abs, change_pct and change_dir (up, down, same: the last round with a value against the one before it; change_pct is NULL when the earlier value is 0), trend and trend_label.

p: below 10 rounds it is exact, the share of all orderings of the ID's own values whose |S| is at least as large; from 10 rounds it is the normal approximation, as pymannkendall computes it. trend is increasing or decreasing when p ≤ ALPHA (default 0.05), no trend otherwise, and too few rounds when even a perfectly steady rise could not reach ALPHA: with 4 rounds the smallest p is 0.083, so 4 rounds can never show a trend at 5%; 5 rounds can (0.017). The log states this for the numbers of rounds present.

Per site: on a sample layer written by “Import lab results” choose site_id as ID_FIELD and concentration as VALUE_FIELD, and name the compound in COMPOUND (required when the layer holds several); non-detects enter through the non-detect policy (default LOD/2), and several samples of a site in one round are averaged.

Missing rounds: an ID without a value in a round is tested on the rounds it has; the gap keeps its place in time for Sen's slope. Rows with no ID, no round or a NULL value are counted in the log and left out. Rounds are placed in time: years (2024), quarters (2024Q3) or months (2024-07), never mixed in one series; a value that is no round is refused, naming it.</source>
        <translation>对每个乡镇（或采样点：将采样点字段作为 ID_FIELD），检验数值在各采样轮次间是上升还是下降，并计算与上一轮次相比的变化。输入每个 ID 每个轮次一行，例如“按乡镇汇总样品”在多个轮次上的输出；同一 ID 同一轮次的多行取平均，日志中说明数量。

输出：每个 ID 一个要素，输入有几何时带该 ID 的几何（按趋势设置样式），保留 ID_FIELD 原名，并包含字段 n_rounds（有数值的轮次数）、first_round、last_round、mk_s（Mann-Kendall S）、mk_var_s（含结校正的 Var(S)）、mk_z、mk_p（双侧）、p_method、min_p（n_rounds 个轮次可能达到的最小 p）、sen_slope（Sen 斜率：按轮次类型为每年、每季度或每月变化的中位数）、prev_round、change_abs、change_pct 和 change_dir（up 上升、down 下降、same 不变：最后一个有数值的轮次与其前一轮次相比；前值为 0 时 change_pct 为空）、trend 和 trend_label。

p 值：少于 10 个轮次时为精确值，即该 ID 自身数值的所有排列中 |S| 不小于观测值的比例；10 个轮次及以上用正态近似，与 pymannkendall 相同。p ≤ ALPHA（默认 0.05）时 trend 为 increasing 或 decreasing，否则为 no trend；即使完全单调上升也达不到 ALPHA 时为 too few rounds：4 个轮次的最小 p 为 0.083，因此 4 个轮次永远无法在 5% 水平上显示趋势；5 个轮次可以（0.017）。日志会针对现有的轮次数说明这一点。

按采样点：对“导入化验结果”写出的样品图层，将 site_id 作为 ID_FIELD、concentration 作为 VALUE_FIELD，并在 COMPOUND 中指定化合物（图层含多种化合物时必须指定）；未检出按未检出处理规则计入（默认 LOD/2），同一采样点同一轮次的多个样品取平均。

缺失轮次：某轮次没有数值的 ID 按其已有轮次检验；计算 Sen 斜率时缺口保留其时间位置。没有 ID、没有轮次或数值为空的行在日志中计数并剔除。轮次按时间定位：年（2024）、季度（2024Q3）或月（2024-07），同一序列中不得混用；不是轮次的值会被拒绝并指出该值。</translation>
    </message>
    <message>
        <source>Township or site field</source>
        <translation>乡镇或采样点字段</translation>
    </message>
    <message>
        <source>Significance level</source>
        <translation>显著性水平</translation>
    </message>
    <message>
        <source>Compound (for sample layers with a compound field)</source>
        <translation>化合物（用于含化合物字段的样品图层）</translation>
    </message>
    <message>
        <source>Trend</source>
        <translation>趋势</translation>
    </message>
    <message>
        <source>Townships or sites</source>
        <translation>乡镇或采样点数</translation>
    </message>
    <message>
        <source>Reading rounds…</source>
        <translation>正在读取轮次…</translation>
    </message>
    <message>
        <source>Testing trends…</source>
        <translation>正在检验趋势…</translation>
    </message>
    <message>
        <source>Trends: increasing {inc}, decreasing {dec}, no trend {none}, too few rounds {few}.</source>
        <translation>趋势：上升 {inc}，下降 {dec}，无趋势 {none}，轮次太少 {few}。</translation>
    </message>
    <message>
        <source>{n} rows have no ID in “{field}” and are left out.</source>
        <translation>{n} 行在“{field}”中没有 ID，已剔除。</translation>
    </message>
    <message>
        <source>{n} rows have no round in “{field}” and are left out.</source>
        <translation>{n} 行在“{field}”中没有轮次，已剔除。</translation>
    </message>
    <message>
        <source>{n} rows have a NULL value in “{field}”: that round counts as missing.</source>
        <translation>{n} 行的“{field}”为空：该轮次按缺失处理。</translation>
    </message>
    <message>
        <source>“{layer}” has no row with an ID, a round and a value.</source>
        <translation>“{layer}”中没有同时具有 ID、轮次和数值的行。</translation>
    </message>
    <message>
        <source>{n} rows shared an ID and a round with another row and were averaged with it.</source>
        <translation>{n} 行与其他行的 ID 和轮次相同，已取平均。</translation>
    </message>
    <message>
        <source>per year</source>
        <translation>每年</translation>
    </message>
    <message>
        <source>per quarter</source>
        <translation>每季度</translation>
    </message>
    <message>
        <source>per month</source>
        <translation>每月</translation>
    </message>
    <message>
        <source>Rounds in time order: {rounds}. Sen's slope is {step}.</source>
        <translation>按时间排列的轮次：{rounds}。Sen 斜率为{step}的变化。</translation>
    </message>
    <message>
        <source>Gaps between rounds count as time: {gaps}.</source>
        <translation>轮次之间的空缺按时间计算：{gaps}。</translation>
    </message>
    <message>
        <source>The layer holds one round only ({round}): no change and no trend can be computed; every ID is “too few rounds”.</source>
        <translation>图层只有一个轮次（{round}）：无法计算变化和趋势；所有 ID 均为“轮次太少”。</translation>
    </message>
    <message>
        <source>{n} of {total} IDs lack a value in some rounds; each is tested on the rounds it has (n_rounds).</source>
        <translation>{total} 个 ID 中有 {n} 个在部分轮次缺少数值；每个按其已有轮次检验（n_rounds）。</translation>
    </message>
    <message>
        <source>{count} IDs have {k} rounds: the smallest p they could reach is {p:.3g}{verdict}.</source>
        <translation>{count} 个 ID 有 {k} 个轮次：可能达到的最小 p 为 {p:.3g}{verdict}。</translation>
    </message>
    <message>
        <source>, so no trend can be significant at {alpha:g}: they are “too few rounds”, not “no trend”</source>
        <translation>，因此在 {alpha:g} 水平上不可能有显著趋势：它们是“轮次太少”，而不是“无趋势”</translation>
    </message>
    <message>
        <source>A trend significant at {alpha:g} needs at least {k} rounds.</source>
        <translation>要在 {alpha:g} 水平上显示显著趋势，至少需要 {k} 个轮次。</translation>
    </message>
    <message>
        <source>Maps and reports</source>
        <translation>地图与报告</translation>
    </message>
    <message>
        <source>Hot spots and statistics</source>
        <translation>热点与统计</translation>
    </message>
    <message>
        <source>Trends</source>
        <translation>趋势</translation>
    </message>
    <message>
        <source>Consumption</source>
        <translation>消费量估算</translation>
    </message>
    <message>
        <source>Field work</source>
        <translation>现场工作</translation>
    </message>
    <message>
        <source>The layer “{layer}” has no field {fields}. It needs the fields written by “Import lab results”: {needed}.</source>
        <translation>图层“{layer}”缺少字段 {fields}。它需要“导入化验结果”写出的字段：{needed}。</translation>
    </message>
    <message>
        <source>The township layer “{layer}” has no field “{field}”.</source>
        <translation>乡镇图层“{layer}”没有字段“{field}”。</translation>
    </message>
    <message>
        <source>Choose the township name field: the layer “{layer}” has no text field that looks like a name (name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town).</source>
        <translation>请选择乡镇名称字段：图层“{layer}”中没有看起来像名称的文本字段（name、乡镇、乡镇名称、镇名、XZMC、XZQMC、township、town）。</translation>
    </message>
    <message>
        <source>Township name field: “{field}” (guessed from the field names).</source>
        <translation>乡镇名称字段：“{field}”（根据字段名推断）。</translation>
    </message>
    <message>
        <source>The Wastewater drug surveillance tools need the Python package(s) {names}, which this QGIS installation does not include; they stay unavailable until these are installed. Debian or Ubuntu: sudo apt install {debs}. Windows: the standalone QGIS installer includes them; with the OSGeo4W network installer, run it again (Advanced Install) and add {debs}. macOS and other installs: install {names} with pip into the Python that QGIS runs. Then restart QGIS.</source>
        <translation>污水毒情监测工具需要 Python 包 {names}，而当前 QGIS 安装中没有这些包；安装之前，这些工具均无法使用。Debian 或 Ubuntu：执行 sudo apt install {debs}。Windows：QGIS 独立安装程序已自带这些包；如使用 OSGeo4W 网络安装程序，请重新运行它（选择“高级安装”）并添加 {debs}。macOS 及其他安装方式：用 QGIS 所使用的 Python 的 pip 安装 {names}。安装后请重启 QGIS。</translation>
    </message>
    <message>
        <source>Wastewater drug surveillance</source>
        <translation>污水毒情监测</translation>
    </message>
    <message>
        <source>{name} (unavailable: needs {packages})</source>
        <translation>{name}（不可用：需要安装 {packages}）</translation>
    </message>
    <message>
        <source>Could not write to “{output}”: the disk may be full or the file not writable. {error}</source>
        <translation>无法写入“{output}”：磁盘可能已满或文件不可写。{error}</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>采样点</translation>
    </message>
    <message>
        <source>Follows hot sample</source>
        <translation>追踪的高值样品</translation>
    </message>
    <message>
        <source>Upstream line (m)</source>
        <translation>上游管线（米）</translation>
    </message>
    <message>
        <source>Upstream population</source>
        <translation>上游人口</translation>
    </message>
    <message>
        <source>Longitude (WGS84)</source>
        <translation>经度（WGS84）</translation>
    </message>
    <message>
        <source>Latitude (WGS84)</source>
        <translation>纬度（WGS84）</translation>
    </message>
    <message>
        <source>Longitude (GCJ-02)</source>
        <translation>经度（GCJ-02）</translation>
    </message>
    <message>
        <source>Latitude (GCJ-02)</source>
        <translation>纬度（GCJ-02）</translation>
    </message>
    <message>
        <source>WGS84 (lon, lat)</source>
        <translation>WGS84（经度, 纬度）</translation>
    </message>
    <message>
        <source>GCJ-02 (lon, lat)</source>
        <translation>GCJ-02（经度, 纬度）</translation>
    </message>
    <message>
        <source>Sampling plan for the next round</source>
        <translation>下一轮采样规划</translation>
    </message>
    <message>
        <source>Could not write the field sheet “{path}”.</source>
        <translation>无法写出外业表“{path}”。</translation>
    </message>
    <message>
        <source>“{output}” holds {found} of the {expected} rows written: the disk may be full or the file damaged. It was removed.</source>
        <translation>“{output}”写入了 {expected} 行，但只存有 {found} 行：磁盘可能已满或文件已损坏。该输出已删除。</translation>
    </message>
    <message>
        <source>Could not write the samples to “{path}”: {error}. Nothing was kept.</source>
        <translation>无法把样品写入“{path}”：{error}。未保留任何内容。</translation>
    </message>
    <message>
        <source>Writing the samples to “{path}” in one go failed ({error}); writing them feature by feature instead.</source>
        <translation>一次性写入样品到“{path}”失败（{error}），改为逐个要素写入。</translation>
    </message>
    <message>
        <source>… and {n} more rows not imported; the rejected table lists every one.</source>
        <translation>……另有 {n} 行未导入，详见“未导入的行”表。</translation>
    </message>
    <message>
        <source>Rejected by reason: {summary}</source>
        <translation>未导入原因统计：{summary}</translation>
    </message>
    <message>
        <source>The output “{label}” is the folder “{path}”, not a file. Give a file name, for example “{example}”.</source>
        <translation>输出“{label}”指向的“{path}”是文件夹，不是文件。请给出文件名，例如“{example}”。</translation>
    </message>
    <message>
        <source>The output “{label}” cannot be written to “{path}”: “{file}” is a file, not a folder.</source>
        <translation>输出“{label}”无法写入“{path}”：“{file}”是文件，不是文件夹。</translation>
    </message>
    <message>
        <source>The output “{label}” cannot be written to “{path}”: the folder “{folder}” does not exist.</source>
        <translation>输出“{label}”无法写入“{path}”：文件夹“{folder}”不存在。</translation>
    </message>
    <message>
        <source>The output “{label}” cannot be written: the file “{path}” exists and is read-only. Choose another name or make it writable.</source>
        <translation>输出“{label}”无法写入：文件“{path}”已存在且为只读。请换一个文件名，或取消其只读属性。</translation>
    </message>
    <message>
        <source>The output “{label}” cannot be written to “{path}”: the folder “{folder}” is read-only.</source>
        <translation>输出“{label}”无法写入“{path}”：文件夹“{folder}”为只读。</translation>
    </message>
    <message>
        <source>The output “{label}” needs a folder, but “{path}” is a file.</source>
        <translation>输出“{label}”需要一个文件夹，但“{path}”是文件。</translation>
    </message>
    <message>
        <source>The output “{label}” cannot be written: the folder “{path}” is read-only.</source>
        <translation>输出“{label}”无法写入：文件夹“{path}”为只读。</translation>
    </message>
    <message>
        <source>The run was cancelled; the PostGIS table “{table}” was left in place: whether it existed before the run is not known.</source>
        <translation>运行已取消；PostGIS 表“{table}”已保留：无法确定它在本次运行之前是否已存在。</translation>
    </message>
    <message>
        <source>The run was cancelled; the PostGIS table “{table}” existed before the run and was not dropped. It now holds only the rows written before the cancel.</source>
        <translation>运行已取消；PostGIS 表“{table}”在本次运行之前已存在，因此未删除。该表现在只包含取消之前写入的行。</translation>
    </message>
    <message>
        <source>The run was cancelled, but the PostGIS table “{table}” could not be dropped: {error}</source>
        <translation>运行已取消，但无法删除 PostGIS 表“{table}”：{error}</translation>
    </message>
    <message>
        <source>The join could not run in the PostGIS database ({reason}); it runs in memory instead.</source>
        <translation>无法在 PostGIS 数据库中完成空间连接（{reason}），改为在内存中计算。</translation>
    </message>
    <message>
        <source>COMPOUND is set but “{layer}” has no compound field: every row is used.</source>
        <translation>已设置 COMPOUND，但“{layer}”没有化合物字段：使用全部行。</translation>
    </message>
    <message>
        <source>{n} rows of other compounds are left out; the analysis is for {compound}.</source>
        <translation>剔除其他化合物的 {n} 行；本次分析针对 {compound}。</translation>
    </message>
    <message>
        <source>The samples layer “{layer}” has no sample in round “{round}”. Rounds present: {present}.</source>
        <translation>样品图层“{layer}”中没有轮次“{round}”的样品。现有轮次：{present}。</translation>
    </message>
    <message>
        <source>{n} of {total} samples match the chosen compound and round.</source>
        <translation>{total} 个样品中有 {n} 个符合所选物质和轮次。</translation>
    </message>
    <message>
        <source>untreated wastewater</source>
        <translation>未处理污水</translation>
    </message>
    <message>
        <source>treated effluent</source>
        <translation>处理后出水</translation>
    </message>
    <message>
        <source>river or surface water</source>
        <translation>河流或地表水</translation>
    </message>
    <message>
        <source>solids</source>
        <translation>固体样品</translation>
    </message>
    <message>
        <source>no or unknown type</source>
        <translation>无类型或类型未知</translation>
    </message>
    <message>
        <source>The samples “{layer}” mix sample types: {counts}. Their values are compared as they are; filter the layer on the field “medium” to analyse one type.</source>
        <translation>样品图层“{layer}”混有多种样品类型：{counts}。其数值按原样比较；如需只分析一种类型，请按字段“medium”筛选图层。</translation>
    </message>
    <message>
        <source>The samples “{layer}” hold several units in the field “{field}”: {values}. Values in different units are never averaged or compared: filter the layer to one unit (for example with “Extract by attribute”), or convert the values first.</source>
        <translation>样品“{layer}”的字段“{field}”中有多种单位：{values}。不同单位的数值绝不平均或比较：请先把图层筛选为一种单位（例如用“按属性提取”），或先换算数值。</translation>
    </message>
    <message>
        <source>The samples “{layer}” hold units that cannot be used in the field “{field}”: {values}. Concentrations are read in ng/L (µg/L and mg/L are converted) or ng/g, population-normalised loads in mg/day/1000; nothing is guessed. Correct the unit, or set UNIT when the table has no unit field.</source>
        <translation>样品“{layer}”的字段“{field}”中有无法使用的单位：{values}。浓度按 ng/L（µg/L 和 mg/L 会换算）或 ng/g 读取，人口归一化负荷按 mg/天/千人读取；绝不猜测。请更正单位，表中没有单位字段时请设置 UNIT。</translation>
    </message>
    <message>
        <source>The samples “{layer}” hold several compounds in the field “{field}”: {values}. A statistic mixing them means nothing: choose one in COMPOUND.</source>
        <translation>样品“{layer}”的字段“{field}”中有多种化合物：{values}。混合它们的统计没有意义：请在 COMPOUND 中选择一种。</translation>
    </message>
    <message>
        <source>The samples “{layer}” have no sample of “{compound}” in the field “{field}”. Compounds present: {values}.</source>
        <translation>样品“{layer}”的字段“{field}”中没有“{compound}”的样品。现有化合物：{values}。</translation>
    </message>
    <message>
        <source>The field “{field}” of “{layer}” mixes kinds of rounds ({values}): a series is in years, quarters or months, never a mix. Filter the layer to one kind of round.</source>
        <translation>“{layer}”的字段“{field}”混用了不同类型的轮次（{values}）：一个序列只能按年、按季度或按月，不能混用。请把图层筛选为同一类型的轮次。</translation>
    </message>
    <message>
        <source>The field “{field}” of “{layer}” holds values that are not rounds: {values}. A round is a year (2022), a quarter (2022Q3, 2022年第三季度) or a month (2022-07, 2022年7月); correct those values or filter those rows out.</source>
        <translation>“{layer}”的字段“{field}”中有不是轮次的值：{values}。轮次可以是年份（2022）、季度（2022Q3、2022年第三季度）或月份（2022-07、2022年7月）；请更正这些值或筛除这些行。</translation>
    </message>
    <message>
        <source>The samples “{layer}” have no field {values}.</source>
        <translation>样品“{layer}”没有字段 {values}。</translation>
    </message>
    <message>
        <source>The samples “{layer}” have no field {fields}: a samples table needs a round, a compound and a concentration.</source>
        <translation>样品“{layer}”没有字段 {fields}：样品表至少需要轮次、化合物和浓度。</translation>
    </message>
    <message>
        <source>Samples of other sample types left out: {listed}.</source>
        <translation>其他样品类型的样品未计入：{listed}。</translation>
    </message>
    <message>
        <source>{n} non-detects enter the analysis through the non-detect policy.</source>
        <translation>{n} 个未检出值按未检出替代规则进入分析。</translation>
    </message>
    <message>
        <source>The lab file “{path}” does not exist.</source>
        <translation>检测结果文件“{path}”不存在。</translation>
    </message>
    <message>
        <source>The lab file “{path}” is neither UTF-8 nor GBK/GB18030 text. Save it from Excel as CSV (UTF-8) or as XLSX.</source>
        <translation>检测结果文件“{path}”既不是 UTF-8 也不是 GBK/GB18030 编码的文本。请在 Excel 中另存为 CSV（UTF-8）或 XLSX。</translation>
    </message>
    <message>
        <source>encoding {encoding}</source>
        <translation>编码 {encoding}</translation>
    </message>
    <message>
        <source>“{path}” was read as GB18030/GBK, but {n} of its characters are outside the common Chinese set ({examples}). If names look garbled, the file is probably in another encoding (Latin-1 or Windows-1252): save it as CSV UTF-8 and import it again.</source>
        <translation>“{path}”按 GB18030/GBK 读取，但其中有 {n} 个字符不在常用汉字集内（{examples}）。如果名称显示为乱码，文件多半是其他编码（Latin-1 或 Windows-1252）：请另存为 CSV UTF-8 后重新导入。</translation>
    </message>
    <message>
        <source>The lab file “{path}” cannot be read as a spreadsheet: {error}</source>
        <translation>检测结果文件“{path}”无法作为电子表格读取：{error}</translation>
    </message>
    <message>
        <source>The lab file “{path}” has no sheet with data.</source>
        <translation>检测结果文件“{path}”中没有含数据的工作表。</translation>
    </message>
    <message>
        <source>sheet “{sheet}”</source>
        <translation>工作表“{sheet}”</translation>
    </message>
    <message>
        <source>K = {k} neighbours needs more than {k} features with a value; “{layer}” has {n}.</source>
        <translation>K = {k} 个邻居需要多于 {k} 个有值的要素；“{layer}”只有 {n} 个。</translation>
    </message>
    <message>
        <source>K must be at least 1.</source>
        <translation>K 至少为 1。</translation>
    </message>
    <message>
        <source>The distance band must be a positive distance.</source>
        <translation>距离带必须是正数距离。</translation>
    </message>
    <message>
        <source>“{layer}” has fewer than 2 features with a value and a location.</source>
        <translation>“{layer}”中既有值又有位置的要素少于 2 个。</translation>
    </message>
    <message>
        <source>Queen contiguity needs polygons, and “{layer}” has none. For points use a fixed distance band or K nearest neighbours.</source>
        <translation>Queen 邻接需要面要素，而“{layer}”不是面图层。点要素请使用固定距离带或 K 最近邻。</translation>
    </message>
    <message>
        <source>“{layer}” is in a geographic CRS ({crs}): distances are in degrees, which are not the same length east–west and north–south. Reproject the layer to a projected CRS (for example a CGCS2000 Gauss-Krüger zone) first.</source>
        <translation>“{layer}”使用地理坐标系（{crs}）：距离单位是度，东西向与南北向的一度长度不同。请先把图层重投影到投影坐标系（例如 CGCS2000 高斯-克吕格分带）。</translation>
    </message>
    <message>
        <source>{n} polygons were invalid and were repaired before finding neighbours.</source>
        <translation>{n} 个面几何无效，已在查找邻居前修复。</translation>
    </message>
    <message>
        <source>Neighbours: queen contiguity, {links} links.</source>
        <translation>邻居：Queen 邻接，共 {links} 对相邻关系。</translation>
    </message>
    <message>
        <source>Neighbours: the {k} nearest features (not symmetric: i may be among j's nearest but not j among i's).</source>
        <translation>邻居：最近的 {k} 个要素（不对称：i 可能是 j 的最近邻，而 j 不是 i 的最近邻）。</translation>
    </message>
    <message>
        <source>Distance band: {d} (the smallest that gives every feature a neighbour).</source>
        <translation>距离带：{d}（使每个要素都有邻居的最小距离）。</translation>
    </message>
    <message>
        <source>Distance band: {d}.</source>
        <translation>距离带：{d}。</translation>
    </message>
    <message>
        <source>With this band some features have no neighbour; {d} is the smallest band that gives every feature one.</source>
        <translation>按此距离带，部分要素没有邻居；使每个要素都有邻居的最小距离带为 {d}。</translation>
    </message>
    <message>
        <source>methamphetamine</source>
        <translation>甲基苯丙胺</translation>
    </message>
    <message>
        <source>amphetamine</source>
        <translation>苯丙胺</translation>
    </message>
    <message>
        <source>ketamine</source>
        <translation>氯胺酮</translation>
    </message>
    <message>
        <source>norketamine</source>
        <translation>去甲氯胺酮</translation>
    </message>
    <message>
        <source>MDMA</source>
        <translation>MDMA（摇头丸）</translation>
    </message>
    <message>
        <source>MDA</source>
        <translation>MDA</translation>
    </message>
    <message>
        <source>morphine</source>
        <translation>吗啡</translation>
    </message>
    <message>
        <source>codeine</source>
        <translation>可待因</translation>
    </message>
    <message>
        <source>6-MAM</source>
        <translation>6-单乙酰吗啡</translation>
    </message>
    <message>
        <source>heroin</source>
        <translation>海洛因</translation>
    </message>
    <message>
        <source>cocaine</source>
        <translation>可卡因</translation>
    </message>
    <message>
        <source>benzoylecgonine</source>
        <translation>苯甲酰爱康宁</translation>
    </message>
    <message>
        <source>cotinine</source>
        <translation>可替宁</translation>
    </message>
    <message>
        <source>methadone</source>
        <translation>美沙酮</translation>
    </message>
    <message>
        <source>EDDP</source>
        <translation>EDDP</translation>
    </message>
    <message>
        <source>THC-COOH</source>
        <translation>THC-COOH（大麻代谢物）</translation>
    </message>
    <message>
        <source>site</source>
        <translation>点位</translation>
    </message>
    <message>
        <source>sample id</source>
        <translation>样品编号</translation>
    </message>
    <message>
        <source>longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <source>latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <source>sampling date</source>
        <translation>采样日期</translation>
    </message>
    <message>
        <source>round</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>compound</source>
        <translation>物质</translation>
    </message>
    <message>
        <source>concentration</source>
        <translation>浓度</translation>
    </message>
    <message>
        <source>unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>detection limit</source>
        <translation>检出限</translation>
    </message>
    <message>
        <source>sample type</source>
        <translation>样品类型</translation>
    </message>
    <message>
        <source>blank row</source>
        <translation>空行</translation>
    </message>
    <message>
        <source>no site in column “{column}”</source>
        <translation>“{column}”列中没有点位</translation>
    </message>
    <message>
        <source>no compound in column “{column}”</source>
        <translation>“{column}”列中没有物质名称</translation>
    </message>
    <message>
        <source>empty concentration in column “{column}” (an empty cell is missing, not zero)</source>
        <translation>“{column}”列浓度为空（空单元格表示缺失，不是 0）</translation>
    </message>
    <message>
        <source>concentration “{value}” in column “{column}” is not a number or a non-detect (a number is read only when written with a sign, digits, one decimal point and an exponent, such as 12.5 or 1.2e3: no spaces, separators, superscripts, circled digits or TRUE/FALSE)</source>
        <translation>“{column}”列的浓度“{value}”既不是数值也不是未检出（只有由正负号、数字、一个小数点和指数组成的写法才读作数值，如 12.5 或 1.2e3；不能含空格、分隔符、上标、带圈数字或 TRUE/FALSE）</translation>
    </message>
    <message>
        <source>negative concentration “{value}” in column “{column}”</source>
        <translation>“{column}”列的浓度“{value}”为负值</translation>
    </message>
    <message>
        <source>coordinate “{value}” in column “{column}” is not a number or DMS, or is out of range (longitude −180…180, latitude −90…90)</source>
        <translation>“{column}”列的坐标“{value}”不是数值或度分秒，或超出范围（经度 −180…180，纬度 −90…90）</translation>
    </message>
    <message>
        <source>no coordinates in column “{column}”, and the site is not in the sites table</source>
        <translation>“{column}”列没有坐标，点位表中也没有该点位</translation>
    </message>
    <message>
        <source>coordinates outside China, where GCJ-02 and BD-09 do not apply (column “{column}”)</source>
        <translation>坐标在中国境外，GCJ-02 和 BD-09 不适用（“{column}”列）</translation>
    </message>
    <message>
        <source>date “{value}” in column “{column}” is not a date</source>
        <translation>“{column}”列的“{value}”不是日期</translation>
    </message>
    <message>
        <source>date “{value}” in column “{column}” is in the future</source>
        <translation>“{column}”列的日期“{value}”晚于今天</translation>
    </message>
    <message>
        <source>no sampling date or round in column “{column}”, so the row belongs to no round</source>
        <translation>“{column}”列没有采样日期或轮次，无法归入任何轮次</translation>
    </message>
    <message>
        <source>round “{value}” in column “{column}” is not a round such as 2024Q3, 2024-07 or 2024</source>
        <translation>“{column}”列的轮次“{value}”不是 2024Q3、2024-07 或 2024 这样的轮次</translation>
    </message>
    <message>
        <source>unknown unit “{value}” in column “{column}”</source>
        <translation>“{column}”列的单位“{value}”无法识别</translation>
    </message>
    <message>
        <source>a water unit for a solid sample, or a solid unit for a water sample (column “{column}”)</source>
        <translation>固体样品用了水样单位，或水样用了固体单位（“{column}”列）</translation>
    </message>
    <message>
        <source>duplicate: rows {rows} hold the same site, date, sample type and compound; every copy is rejected because the lab must say which value is right (or set DUPLICATES to keep the first)</source>
        <translation>重复：第 {rows} 行的点位、日期、样品类型和物质相同；所有副本均被拒收，因为须由实验室确认哪个数值正确（或将 DUPLICATES 设为保留第一条）</translation>
    </message>
    <message>
        <source>duplicate of row {rows}, which was kept (DUPLICATES keeps the first copy); the value is the same</source>
        <translation>与第 {rows} 行重复，已保留该行（DUPLICATES 保留第一条）；数值相同</translation>
    </message>
    <message>
        <source>duplicate of row {rows}, which was kept because it comes first (DUPLICATES keeps the first copy), but this copy has a different value: check which one is right</source>
        <translation>与第 {rows} 行重复，因该行在前而被保留（DUPLICATES 保留第一条），但本行数值不同：请核实哪个正确</translation>
    </message>
    <message>
        <source>more cells than the header: “{value}” in column {column} has no header (a comma inside a number such as 1,000, or a shifted row?)</source>
        <translation>单元格多于表头：第 {column} 列的“{value}”没有表头（是否数字中含逗号，如 1,000，或该行错位？）</translation>
    </message>
    <message>
        <source>date “{value}” in column “{column}” is outside the years 1677–2262</source>
        <translation>“{column}”列的日期“{value}”超出 1677–2262 年范围</translation>
    </message>
    <message>
        <source>concentration “{value}” in column “{column}” is too large to be a number once converted to ng/L or ng/g</source>
        <translation>“{column}”列的浓度“{value}”换算为 ng/L 或 ng/g 后过大，无法表示为数值</translation>
    </message>
    <message>
        <source>detection limit “{value}” in column “{column}” is not a number, or is negative</source>
        <translation>“{column}”列的检出限“{value}”不是数字，或为负数</translation>
    </message>
    <message>
        <source>cell “{value}” in column “{column}” holds a NUL character (a damaged export): save the file again</source>
        <translation>“{column}”列的单元格“{value}”含 NUL 字符（导出文件已损坏）：请重新保存文件</translation>
    </message>
    <message>
        <source>{file}, row {row}, column “{column}”: {reason}</source>
        <translation>{file}，第 {row} 行，“{column}”列：{reason}</translation>
    </message>
    <message>
        <source>{file}, row {row}: {reason}</source>
        <translation>{file}，第 {row} 行：{reason}</translation>
    </message>
    <message>
        <source>The lab file “{path}” is empty: it has no header row.</source>
        <translation>检测结果文件“{path}”是空的：没有表头行。</translation>
    </message>
    <message>
        <source>The lab file “{path}” has a header but no data rows.</source>
        <translation>检测结果文件“{path}”只有表头，没有数据行。</translation>
    </message>
    <message>
        <source>The lab file “{path}” lacks a required column: {missing}. Columns found in row 1: {found}. Rename the column (for example 采样点/site, 经度/lon, 纬度/lat, 采样日期/date, 目标物/compound, 浓度/concentration), name it explicitly in the advanced parameters, or, for one column per compound, head each column with a compound name.</source>
        <translation>检测结果文件“{path}”缺少必需的列：{missing}。第 1 行中的列：{found}。请修改列名（如 采样点/site、经度/lon、纬度/lat、采样日期/date、目标物/compound、浓度/concentration），或在高级参数中直接指定列；若每种物质占一列，请以物质名称作列名。</translation>
    </message>
    <message>
        <source>The lab file “{path}” has no column “{column}” in row 1, given for the {role}.</source>
        <translation>检测结果文件“{path}”的第 1 行中没有指定为{role}的列“{column}”。</translation>
    </message>
    <message>
        <source>The survey store “{path}” is a folder: give the path of a GeoPackage file (.gpkg).</source>
        <translation>调查库“{path}”是一个文件夹：请给出 GeoPackage 文件（.gpkg）的路径。</translation>
    </message>
    <message>
        <source>“{path}” is not a survey store: its layer “samples” lacks the fields {fields}.</source>
        <translation>“{path}”不是监测数据库：其图层“samples”缺少字段 {fields}。</translation>
    </message>
    <message>
        <source>The survey store “{path}” cannot be opened or written: {detail}</source>
        <translation>无法打开或写入监测数据库“{path}”：{detail}</translation>
    </message>
    <message>
        <source>Quarterly survey (model: survey map, trend and report)</source>
        <translation>季度水样监测（模型：分级图、趋势和报告）</translation>
    </message>
    <message>
        <source>Trend over rounds (model: every round by township, then the trend)</source>
        <translation>多轮趋势（模型：逐轮按乡镇汇总，再计算趋势）</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Compound</source>
        <translation>目标物</translation>
    </message>
    <message>
        <source>Trend by township</source>
        <translation>各乡镇趋势</translation>
    </message>
    <message>
        <source>How a sample reported below the detection limit enters the statistics. The default, LOD/2, is the US CDC NWSS practice; EMCDDA data use zero. A non-detect whose lab gave no limit counts as 0 under the limit-based policies, and the log says how many.</source>
        <translation>低于检出限的样品如何计入统计。默认 LOD/2，为美国 CDC 国家污水监测系统（NWSS）的做法；EMCDDA 数据按零计。化验室未给出检出限的未检出样品，在基于检出限的规则下按 0 计，日志中会给出数量。</translation>
    </message>
    <message>
        <source>Township field of the samples</source>
        <translation>样品的乡镇字段</translation>
    </message>
    <message>
        <source>Unit of values where the table has no unit field</source>
        <translation>表中没有单位字段时数值的单位</translation>
    </message>
    <message>
        <source>Used only for rows without a unit (a table with no unit field, loaded by a laboratory system). Values in different units are never averaged: a table holding several units is refused, naming them.</source>
        <translation>只用于没有单位的行（例如实验室系统载入、没有单位字段的表）。不同单位的数值绝不平均：含多种单位的表会被拒绝，并列出这些单位。</translation>
    </message>
    <message>
        <source>Sample types</source>
        <translation>样品类型</translation>
    </message>
    <message>
        <source>All water (sewage, influent, effluent, surface water)</source>
        <translation>全部水样（污水、进水、出水、地表水）</translation>
    </message>
    <message>
        <source>Wastewater only (sewage and influent)</source>
        <translation>仅污水（排污沟与污水厂进水）</translation>
    </message>
    <message>
        <source>Surface water only</source>
        <translation>仅地表水</translation>
    </message>
    <message>
        <source>Solids (soil, sediment, sludge)</source>
        <translation>固体样品（土壤、沉积物、污泥）</translation>
    </message>
    <message>
        <source>Natural breaks (Jenks)</source>
        <translation>自然断点法（Jenks）</translation>
    </message>
    <message>
        <source>Quantiles</source>
        <translation>分位数法</translation>
    </message>
    <message>
        <source>Equal interval</source>
        <translation>等间距</translation>
    </message>
    <message>
        <source>Head/tail breaks</source>
        <translation>头尾断裂法</translation>
    </message>
    <message>
        <source>Mean and standard deviation</source>
        <translation>均值与标准差</translation>
    </message>
    <message>
        <source>Ratio to the county median of the same round</source>
        <translation>与同一轮次全县中位数之比</translation>
    </message>
    <message>
        <source>Ratio to the county median of a baseline round</source>
        <translation>与基准轮次全县中位数之比</translation>
    </message>
    <message>
        <source>Fixed thresholds: upper bounds of classes 1 and 2</source>
        <translation>固定阈值：第 1、2 级的上限</translation>
    </message>
    <message>
        <source>Used only by the fixed-thresholds method (and, as ratios, by the two ratio methods: default 1 and 2). A value ≤ the first is general, ≤ the second fairly severe, above it severe; for example 50 and 200 (ng/L). Left empty, it is not given.</source>
        <translation>仅用于固定阈值法（两种比值法也把它作为比值使用，默认 1 和 2）。数值 ≤ 第一个阈值为一般，≤ 第二个阈值为较严重，高于第二个阈值为严重；例如 50 和 200（ng/L）。留空即视为未给出。</translation>
    </message>
    <message>
        <source>Coordinates are in</source>
        <translation>坐标所用坐标系</translation>
    </message>
    <message>
        <source>WGS84 (GPS)</source>
        <translation>WGS84（GPS）</translation>
    </message>
    <message>
        <source>CGCS2000</source>
        <translation>CGCS2000</translation>
    </message>
    <message>
        <source>GCJ-02 (Gaode/Tencent maps)</source>
        <translation>GCJ-02（高德／腾讯地图）</translation>
    </message>
    <message>
        <source>BD-09 (Baidu maps)</source>
        <translation>BD-09（百度地图）</translation>
    </message>
    <message>
        <source>RSD of sampling</source>
        <translation>采样相对标准偏差</translation>
    </message>
    <message>
        <source>Castiglioni et al. 2013: below 10% with flow-proportional sampling</source>
        <translation>Castiglioni 等 2013：按流量比例采样时低于 10%</translation>
    </message>
    <message>
        <source>RSD of chemical analysis</source>
        <translation>化学分析相对标准偏差</translation>
    </message>
    <message>
        <source>Castiglioni et al. 2013: 6–26% between laboratories</source>
        <translation>Castiglioni 等 2013：实验室间 6–26%</translation>
    </message>
    <message>
        <source>RSD of the daily flow</source>
        <translation>日流量相对标准偏差</translation>
    </message>
    <message>
        <source>Castiglioni et al. 2013; Mathieu et al. 2011 (unconfirmed)</source>
        <translation>Castiglioni 等 2013；Mathieu 等 2011（未核实）</translation>
    </message>
    <message>
        <source>RSD of the population served</source>
        <translation>服务人口相对标准偏差</translation>
    </message>
    <message>
        <source>Castiglioni et al. 2013: methods differ by 7–55%</source>
        <translation>Castiglioni 等 2013：不同方法相差 7–55%</translation>
    </message>
    <message>
        <source>RSD of the excretion factor</source>
        <translation>排泄率相对标准偏差</translation>
    </message>
    <message>
        <source>Castiglioni et al. 2013: 26% for cocaine</source>
        <translation>Castiglioni 等 2013：可卡因为 26%</translation>
    </message>
    <message>
        <source>RSD of sampling for grab samples</source>
        <translation>瞬时样（抓样）的采样相对标准偏差</translation>
    </message>
    <message>
        <source>Ort et al. 2010: one grab sample can miss the daily mean by more than 100% in sewers</source>
        <translation>Ort 等 2010：在排水管网中，一次瞬时采样与日均值的偏差可超过 100%</translation>
    </message>
    <message>
        <source>Relative standard deviation (0.10 = 10%). Default {value}: {source}.</source>
        <translation>相对标准偏差（0.10 即 10%）。默认值 {value}：{source}。</translation>
    </message>
    <message>
        <source>Monte Carlo draws</source>
        <translation>蒙特卡罗抽样次数</translation>
    </message>
    <message>
        <source>Neighbours</source>
        <translation>邻居定义</translation>
    </message>
    <message>
        <source>Queen contiguity (polygons)</source>
        <translation>Queen 邻接（面要素）</translation>
    </message>
    <message>
        <source>Fixed distance band</source>
        <translation>固定距离带</translation>
    </message>
    <message>
        <source>Value for forward direction</source>
        <translation>正向取值</translation>
    </message>
    <message>
        <source>Value for backward direction</source>
        <translation>反向取值</translation>
    </message>
    <message>
        <source>Value for both directions</source>
        <translation>双向取值</translation>
    </message>
    <message>
        <source>Default direction</source>
        <translation>默认方向</translation>
    </message>
    <message>
        <source>Forward direction</source>
        <translation>正向</translation>
    </message>
    <message>
        <source>Backward direction</source>
        <translation>反向</translation>
    </message>
    <message>
        <source>Both directions</source>
        <translation>双向</translation>
    </message>
    <message>
        <source>Topology tolerance (metres)</source>
        <translation>拓扑容差（米）</translation>
    </message>
    <message>
        <source>Amphetamine from methamphetamine (AMP/MA ratio)</source>
        <translation>甲基苯丙胺代谢产生的苯丙胺（AMP/MA 比值）</translation>
    </message>
    <message>
        <source>Median AMP/MA ratio in wastewater, 0.09 (WBE science notes).</source>
        <translation>污水中 AMP/MA 比值的中位数 0.09（WBE 科学说明）。</translation>
    </message>
    <message>
        <source>Direction field</source>
        <translation>方向字段</translation>
    </message>
    <message>
        <source>Site name field</source>
        <translation>点位名称字段</translation>
    </message>
    <message>
        <source>Compound (empty: the layer holds one)</source>
        <translation>物质（留空：图层只含一种物质）</translation>
    </message>
    <message>
        <source>Snapping distance (metres)</source>
        <translation>吸附距离（米）</translation>
    </message>
    <message>
        <source>{n} lines have a direction value other than {values}: they take the default direction. Values found: {found}.</source>
        <translation>{n} 条线的方向取值不是 {values}，按默认方向处理。实际取值：{found}。</translation>
    </message>
    <message>
        <source>hot spot</source>
        <translation>热点</translation>
    </message>
    <message>
        <source>cold spot</source>
        <translation>冷点</translation>
    </message>
    <message>
        <source>The layer “{layer}” holds values in several units ({units}); its classes and tables mix them.</source>
        <translation>图层“{layer}”中的数值有多种单位（{units}）；其分级和表格混合了这些单位。</translation>
    </message>
    <message>
        <source>The layer “{layer}” has no unit or medium field: the import's unit for sewage ({unit}) is printed.</source>
        <translation>图层“{layer}”没有单位或介质字段：打印的是导入时生活污水的单位（{unit}）。</translation>
    </message>
    <message>
        <source>No output file was given.</source>
        <translation>未指定输出文件。</translation>
    </message>
    <message>
        <source>The output “{path}” is a folder, not a file: give a file name.</source>
        <translation>输出“{path}”是文件夹，不是文件：请给出文件名。</translation>
    </message>
    <message>
        <source>The folder of “{path}” cannot be created: {error}</source>
        <translation>无法创建“{path}”所在的文件夹：{error}</translation>
    </message>
    <message>
        <source>The file “{path}” exists and is read-only: it was left as it is. Choose another name or make it writable.</source>
        <translation>文件“{path}”已存在且为只读：已保持原样。请换一个文件名，或将其改为可写。</translation>
    </message>
    <message>
        <source>The folder of “{path}” is not writable.</source>
        <translation>“{path}”所在的文件夹不可写。</translation>
    </message>
    <message>
        <source>The file “{path}” cannot be written: {error}</source>
        <translation>无法写入文件“{path}”：{error}</translation>
    </message>
    <message>
        <source>The file “{path}” could not be written (nothing was produced).</source>
        <translation>无法写入文件“{path}”（没有生成任何内容）。</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>未说明</translation>
    </message>
    <message>
        <source>Non-detects count as zero (the EMCDDA convention).</source>
        <translation>未检出按 0 计（欧洲毒品和毒瘾监测中心 EMCDDA 的做法）。</translation>
    </message>
    <message>
        <source>Non-detects count as half the detection limit (LOD/2, the US CDC NWSS practice).</source>
        <translation>未检出按检出限的一半计（LOD/2，美国疾控中心 NWSS 的做法）。</translation>
    </message>
    <message>
        <source>Non-detects count as the detection limit divided by √2.</source>
        <translation>未检出按检出限除以 √2 计。</translation>
    </message>
    <message>
        <source>Non-detects count as the detection limit (LOD).</source>
        <translation>未检出按检出限（LOD）计。</translation>
    </message>
    <message>
        <source>Non-detects are left out of the township values.</source>
        <translation>未检出样品不计入乡镇数值。</translation>
    </message>
    <message>
        <source>The non-detect policy was not stated.</source>
        <translation>未说明未检出的处理方式。</translation>
    </message>
    <message>
        <source>from the layer's unit field</source>
        <translation>取自图层的单位字段</translation>
    </message>
    <message>
        <source>the import's unit for the layer's medium</source>
        <translation>导入时图层介质的单位</translation>
    </message>
    <message>
        <source>the layer records no unit or medium: the import's unit for sewage is assumed</source>
        <translation>图层未记录单位或介质：假定为导入时生活污水的单位</translation>
    </message>
    <message>
        <source>A Getis-Ord Gi* hot spot is a high neighbourhood, not a high township: the statistic sums the township and its neighbours, so a township with a modest value among high neighbours can be a hot spot, and a high township among low ones can be none. Read it with the township's own value and with local Moran's I, whose HL (high among low) and LH (low among high) clusters show such townships.</source>
        <translation>Getis-Ord Gi* 热点是高值邻域，而不是高值乡镇：该统计量把乡镇自身与其相邻乡镇的数值相加，因此数值一般、但周边数值较高的乡镇可能成为热点，而周边数值较低的高值乡镇可能不是热点。请结合乡镇自身的数值和局部 Moran's I 一起解读，其 HL（低值包围的高值）和 LH（高值包围的低值）聚类可以显示这类乡镇。</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Row as written</source>
        <translation>原始行内容</translation>
    </message>
    <message>
        <source>Value as written</source>
        <translation>原始值</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Detected</source>
        <translation>检出数</translation>
    </message>
    <message>
        <source>First {n} shown.</source>
        <translation>仅显示前 {n} 条。</translation>
    </message>
    <message>
        <source>Report date: {date}</source>
        <translation>报告日期：{date}</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>概要</translation>
    </message>
    <message>
        <source>Of {n} townships, {severe} are severe, {fairly} fairly severe and {general} general; {none} have no usable value.</source>
        <translation>{n} 个乡镇中，严重 {severe} 个，较严重 {fairly} 个，一般 {general} 个；无有效数值 {none} 个。</translation>
    </message>
    <message>
        <source>Severe: {names}.</source>
        <translation>严重：{names}。</translation>
    </message>
    <message>
        <source>Severity map</source>
        <translation>严重程度分级图</translation>
    </message>
    <message>
        <source>Townships by class</source>
        <translation>各乡镇等级</translation>
    </message>
    <message>
        <source>Values in {unit} ({origin}). The class follows the “{field}” value.</source>
        <translation>数值单位为 {unit}（{origin}）。等级依据“{field}”数值划分。</translation>
    </message>
    <message>
        <source>no unit given</source>
        <translation>未给出单位</translation>
    </message>
    <message>
        <source>Changes since the last round</source>
        <translation>与上一轮相比的变化</translation>
    </message>
    <message>
        <source>{previous} → {current}, township values (“{field}”, {unit}).</source>
        <translation>{previous} → {current}，乡镇数值（“{field}”，{unit}）。</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <source>The data hold no round before this one: there is no change to show yet.</source>
        <translation>数据中没有本轮之前的轮次，暂无变化可比。</translation>
    </message>
    <message>
        <source>No earlier rounds were given to the report (HISTORY), so changes are not shown.</source>
        <translation>未向报告提供以往轮次（HISTORY），因此不显示变化。</translation>
    </message>
    <message>
        <source>Trend over rounds</source>
        <translation>多轮趋势</translation>
    </message>
    <message>
        <source>Township values (“{field}”) by round, in {unit}; dashed lines: the class breaks.</source>
        <translation>各轮次乡镇数值（“{field}”），单位 {unit}；虚线为分级界值。</translation>
    </message>
    <message>
        <source>Sen's slope per round</source>
        <translation>Sen 斜率（每轮）</translation>
    </message>
    <message>
        <source>Mann-Kendall p</source>
        <translation>Mann-Kendall p 值</translation>
    </message>
    <message>
        <source>Change on the round before</source>
        <translation>较上一轮变化</translation>
    </message>
    <message>
        <source>With 4 rounds the smallest possible two-sided Mann-Kendall p is 0.083, so no trend can be significant at 5% before the fifth round: a missing trend is then a lack of evidence, not evidence of stability.</source>
        <translation>只有 4 轮时，Mann-Kendall 双侧检验的最小 p 值为 0.083，第五轮之前任何趋势都不可能在 5% 水平上显著：此时“无趋势”只说明证据不足，并不说明情况稳定。</translation>
    </message>
    <message>
        <source>Methods</source>
        <translation>方法说明</translation>
    </message>
    <message>
        <source>Classification: {method}.</source>
        <translation>分级方法：{method}。</translation>
    </message>
    <message>
        <source>General up to {b1}; fairly severe above {b1} up to {b2}; severe above {b2}.</source>
        <translation>不超过 {b1} 为一般；高于 {b1} 且不超过 {b2} 为较严重；高于 {b2} 为严重。</translation>
    </message>
    <message>
        <source>(Breaks in {unit}.)</source>
        <translation>（界值单位为 {unit}。）</translation>
    </message>
    <message>
        <source>(Breaks not given to the report: shown as the highest values in classes 1 and 2.)</source>
        <translation>（未向报告提供分级界值：此处为第 1、2 级中的最大值。）</translation>
    </message>
    <message>
        <source>A sewage sample stands for its upstream catchment, not for the point where it was taken, nor for the whole township. The class says where to look first; it is not a count of users.</source>
        <translation>污水样品代表的是其上游汇水区，既不代表采样点本身，也不代表整个乡镇。等级只提示优先排查的方向，并不代表吸毒人数。</translation>
    </message>
    <message>
        <source>Gi* hot spot</source>
        <translation>Gi* 热点</translation>
    </message>
    <message>
        <source>Gi* z</source>
        <translation>Gi* z 值</translation>
    </message>
    <message>
        <source>Local Moran cluster</source>
        <translation>局部 Moran 聚类</translation>
    </message>
    <message>
        <source>No township is a hot spot at 90% confidence or more.</source>
        <translation>在 90% 及以上置信水平下，没有乡镇是热点。</translation>
    </message>
    <message>
        <source>Data quality</source>
        <translation>数据质量</translation>
    </message>
    <message>
        <source>Rejected rows: not given to the report.</source>
        <translation>未导入的行：未提供给报告。</translation>
    </message>
    <message>
        <source>Rows of the lab table not imported: {n}.</source>
        <translation>化验表中未导入的行：{n} 行。</translation>
    </message>
    <message>
        <source>Samples outside every township: not given to the report.</source>
        <translation>不在任何乡镇内的样品：未提供给报告。</translation>
    </message>
    <message>
        <source>Samples outside every township: {n}.</source>
        <translation>不在任何乡镇内的样品：{n} 个。</translation>
    </message>
    <message>
        <source>Townships without samples ({n}): {names}.</source>
        <translation>没有样品的乡镇（{n} 个）：{names}。</translation>
    </message>
    <message>
        <source>Every township has samples.</source>
        <translation>每个乡镇都有样品。</translation>
    </message>
    <message>
        <source>Made with QGIS and wbe_surveillance.</source>
        <translation>由 QGIS 和 wbe_surveillance 生成。</translation>
    </message>
    <message>
        <source>file error (is the folder writable, or the file open in another program?)</source>
        <translation>文件错误（文件夹是否可写，或文件是否被其他程序打开？）</translation>
    </message>
    <message>
        <source>out of memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <source>print error</source>
        <translation>打印错误</translation>
    </message>
    <message>
        <source>canceled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Source: wastewater survey lab results, joined to township boundaries. A sewage sample stands for its upstream catchment. Made with QGIS and wbe_surveillance.</source>
        <translation>数据来源：污水监测化验结果，按乡镇边界汇总。污水样品代表其上游汇水范围。由 QGIS 与 wbe_surveillance 制作。</translation>
    </message>
    <message>
        <source>The PDF report could not be written to “{path}”.</source>
        <translation>无法将 PDF 报告写入“{path}”。</translation>
    </message>
    <message>
        <source>0 (no p-value passed)</source>
        <translation>0（没有任何 p 值通过）</translation>
    </message>
    <message>
        <source>The false discovery rate correction (FDR) left none of the {m} features significant, so no hot or cold spot is flagged. With few features FDR is strict: at 90% confidence the k smallest p-values are flagged only when the k-th is at most k × 0.10/{m}; the smallest is {smallest}, against {first} for k = 1 (these are the two-sided p the confidence levels test: 2 × gi_p with permutations).</source>
        <translation>错误发现率校正（FDR）之后，{m} 个要素中没有一个显著，因此没有标出任何热点或冷点。要素少时 FDR 很严格：在 90% 置信度下，只有当第 k 小的 p 值不超过 k × 0.10/{m} 时，最小的 k 个 p 值才会被标出；最小的 p 值为 {smallest}，而 k = 1 时的界限为 {first}（这里的 p 是各置信水平所检验的双侧 p：置换检验时为 2 × gi_p）。</translation>
    </message>
    <message>
        <source>Without the correction none would be significant either: these values show no clustering.</source>
        <translation>不做校正也没有一个显著：这些数值没有显示出聚集。</translation>
    </message>
    <message>
        <source>Without the correction {n05} would be significant at p ≤ 0.05 ({n10} at p ≤ 0.10), where chance alone gives about {chance} among {m}. For an exploratory look run again with FDR=false, and treat what it flags as leads to check, not findings.</source>
        <translation>不做校正时，有 {n05} 个在 p ≤ 0.05 水平显著（p ≤ 0.10 水平为 {n10} 个），而在 {m} 个中仅凭偶然约有 {chance} 个。如需探索性查看，可设置 FDR=false 重新运行，并把标出的结果当作需要核查的线索，而非结论。</translation>
    </message>
    <message>
        <source>Round {round}: the false discovery rate correction (FDR) left none of the {m} townships hot or cold (the smallest p is {smallest}, against 0.10/{m} = {first}). Without it {n05} would be significant at p ≤ 0.05 ({n10} at p ≤ 0.10). With few townships FDR is strict; FDR=false gives an exploratory look.</source>
        <translation>轮次 {round}：错误发现率校正（FDR）之后，{m} 个乡镇中没有热点或冷点（最小 p 值为 {smallest}，而 0.10/{m} = {first}）。不做校正时，有 {n05} 个在 p ≤ 0.05 水平显著（p ≤ 0.10 水平为 {n10} 个）。乡镇少时 FDR 很严格；设置 FDR=false 可作探索性查看。</translation>
    </message>
    <message>
        <source>The layers have no usable coordinates.</source>
        <translation>图层没有可用的坐标。</translation>
    </message>
    <message>
        <source>Distances are worked in {crs}, a CRS in metres; the outputs are in it too.</source>
        <translation>距离在以米为单位的坐标系 {crs} 中计算，输出也采用该坐标系。</translation>
    </message>
    <message>
        <source>General</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Fairly severe</source>
        <translation>较严重</translation>
    </message>
    <message>
        <source>Severe</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>A sewage sample stands for its upstream catchment, not for the point where it was taken: read this surface as a smoothed picture of the sampled values, not as a measured concentration at every place. The township summary of the sampled values remains the primary product.</source>
        <translation>污水样品代表的是其上游汇水区，而不是采样点本身：请把这张面图读作采样值的平滑示意，而不是每个地方实测的浓度。以乡镇为单元的采样值汇总仍是主要成果。</translation>
    </message>
    <message>
        <source>GDAL cannot open the raster “{path}”.</source>
        <translation>GDAL 无法打开栅格“{path}”。</translation>
    </message>
    <message>
        <source>The raster “{name}” has no band {band}.</source>
        <translation>栅格“{name}”没有第 {band} 波段。</translation>
    </message>
    <message>
        <source>The raster “{name}” is rotated; warp it to a north-up grid first.</source>
        <translation>栅格“{name}”是旋转的；请先重采样为正北朝上的网格。</translation>
    </message>
</context>
</TS>